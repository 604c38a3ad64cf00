//! Fuzzes nixbase32 decoding: arbitrary bytes never panic, whatever decodes
//! encodes back to the same string, and the fixed-size decoders agree with the
//! general one.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nix_compat::nixbase32;

fuzz_target!(|data: &[u8]| {
    let decoded = nixbase32::decode(data);
    if let Ok(bytes) = &decoded {
        assert_eq!(nixbase32::encode(bytes).as_bytes(), data);
        assert_eq!(nixbase32::decode_len(data.len()), bytes.len());
    }
    let fixed20 = nixbase32::decode_fixed::<20>(data);
    if data.len() == nixbase32::encode_len(20) {
        assert_eq!(fixed20.ok().map(Vec::from), decoded.as_ref().ok().cloned());
    } else {
        assert!(fixed20.is_err());
    }
    let fixed32 = nixbase32::decode_fixed::<32>(data);
    if data.len() == nixbase32::encode_len(32) {
        assert_eq!(fixed32.ok().map(Vec::from), decoded.ok());
    } else {
        assert!(fixed32.is_err());
    }
});

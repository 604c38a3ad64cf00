//! Fuzzes the sync NAR reader: arbitrary bytes, everything read (file contents
//! included). Besides never panicking, the reader must agree with itself over
//! differently buffered input, and every archive it accepts must be canonical
//! (copying it through the parser and writer gives back its exact bytes).

#![no_main]

use std::io::BufReader;

use libfuzzer_sys::fuzz_target;
use nix_compat::nar::{copy, listing::Listing};

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    let whole = copy(data, &mut out);
    if let Ok(len) = &whole {
        let len = usize::try_from(*len).expect("the NAR is in memory");
        assert_eq!(&out[..], &data[..len], "accepted NARs are canonical");
    }

    // Input arriving a few bytes at a time gives the same outcome and error.
    let mut out_small = Vec::new();
    let small = copy(BufReader::with_capacity(7, data), &mut out_small);
    assert_eq!(
        whole.as_ref().map_err(ToString::to_string),
        small.as_ref().map_err(ToString::to_string)
    );

    // Listing (which skips contents instead of reading them) agrees.
    assert_eq!(Listing::from_reader(data).is_ok(), whole.is_ok());
});

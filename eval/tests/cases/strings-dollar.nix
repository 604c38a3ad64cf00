# Dollars and escapes in double-quoted strings.
let x = "X"; in
[ "$${x}" "$$" "$" "a$" "\${x}" "\$${x}" "$\{x}" "\"\\\n\t\r\q" "${x}${x}" "${"${x}"}" "a${"b"}c" "${toString 1}" ]

# A range ending below its start (bytes compare as signed char).
builtins.match "[a-é]" "b"

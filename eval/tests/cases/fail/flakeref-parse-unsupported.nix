builtins.parseFlakeRef "s3://bucket/x"

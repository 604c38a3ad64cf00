# ÿ in a comment
builtins.toJSON "_ÿ_"

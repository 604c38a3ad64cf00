{
  description = "golden fixture: an attribute flakes may not have";
  outputs = { self }: { };
  packages = { };
}

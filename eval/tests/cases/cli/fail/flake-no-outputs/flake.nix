{
  description = "golden fixture: no outputs";
}

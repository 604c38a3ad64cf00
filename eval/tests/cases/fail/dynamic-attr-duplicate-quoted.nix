{
  ${toString 1} = 1;
  ${toString 1} = 2;
}

let a = {}; in
./foo/${a}

import ./import-frame-target.txt

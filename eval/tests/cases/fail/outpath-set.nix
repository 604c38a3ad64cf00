"${{ outPath = { }; }}"

throw "trailing blanks   \n\t\n  end"

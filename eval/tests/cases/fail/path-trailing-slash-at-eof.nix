# a path may not end in a slash

  a/b/
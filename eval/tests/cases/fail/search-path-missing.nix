# NIX_PATH is unset when the suite runs.
<nonexistent-entry>

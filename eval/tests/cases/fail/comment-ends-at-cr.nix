# a comment ends at a lone CRthrow "after the CR"
# end

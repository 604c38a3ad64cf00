# A default that does not end the formal: bison wants `}` or `,`.
{ a ? 1 ) }: a

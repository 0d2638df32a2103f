"""JPK_V7M(3): the monthly VAT register (ewidencja) and declaration (deklaracja VAT-7).

Layout:
- ``model``: the input model (sales and purchase documents, the taxpayer, the values
  only the user knows) and the field tables of the schema;
- ``from_fa3``: documents made from FA(3) invoices and their KSeF status;
- ``register``: checks of the documents and the control sums;
- ``declaration``: the P_ fields, in whole złoty, from the register and the user's values;
- ``build``: the XML, validated against the official schema set before it is returned,
  and ``summarize`` for the command line.

Money is Decimal throughout; the XML names are the schema's, verbatim.
"""

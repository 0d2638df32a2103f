"""What an operation changed: the one answer every service operation the window runs
gives, and the one thing the window passes to its views.

A view is not told by another view to reload; the operation that changed data says
what it changed (``Changed``), the controller carries that on one signal, and each view
decides from it whether what it shows is stale. Sending follows the same rule: invoices
go to KSeF because an operation reports them ``QUEUED`` (or because KSeF came back),
never because a list was reloaded.
"""

from __future__ import annotations

from enum import Flag, auto


class Changed(Flag):
    """The kinds of data an operation may change (a set: combine with ``|``)."""

    NOTHING = 0
    #: sales invoices: a draft saved, an invoice issued, its state or its data
    INVOICES = auto()
    #: invoices put in the outbox just now: due to go to KSeF as soon as it answers
    QUEUED = auto()
    #: what waits for KSeF: attempts, pauses, deadlines, the counts
    OUTBOX = auto()
    #: KSeF sessions and their receipts (UPO)
    SESSIONS = auto()
    #: payments of sales or purchase invoices (marked paid, matched from a statement)
    PAYMENTS = auto()
    #: e-mails queued or sent
    MAIL = auto()
    #: the contractors' book
    CONTRACTORS = auto()
    #: purchase invoices received from KSeF
    PURCHASES = auto()
    #: collective identifiers
    COLLECTIVE = auto()
    #: tokens, certificates, permissions: what the profile may do in KSeF
    CREDENTIALS = auto()


#: The whole store replaced (a backup restored): every view is stale.
EVERYTHING = Changed(sum(member.value for member in Changed))

#: An invoice issued (or an issued one put back in the outbox): listed, counted, sent.
ISSUED = Changed.INVOICES | Changed.QUEUED | Changed.OUTBOX

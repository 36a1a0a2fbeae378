## The provider's audit log and what `jeton audit verify` finds.

audit-intact = Audit log intact: { $entries } entries chained, { $signed } signed heads verified.
audit-chain-intact-unsigned = Audit log chain intact: { $entries } entries (no audit public key here: signatures not checked).
audit-unsigned-tail = Unsigned: entries { $from } to { $to } come after the last signed head; nothing outside the database vouches for them until the next command that holds the audit key.
audit-heads-archive = Checked against the { $heads } signed head(s) archived in { $path }.
audit-no-heads-archive = No archive of signed heads here (audit-heads.log, or --heads FILE): a cut tail of the log cannot be detected.
audit-tampered =
    the audit log was tampered with:
    {"  "}{ $list }
finding-changed = entry { $seq } was changed: its content no longer matches its hash
finding-rewritten = entry { $seq } was changed and its hash recomputed: the next link or its signed head no longer matches
finding-bad-signature = entry { $seq }: the audit key's signature does not verify
finding-removed-one = entry { $from } was removed
finding-removed = entries { $from } to { $to } were removed
finding-inserted = entry { $seq } was inserted: the chain links around it
finding-reordered = entry { $seq } was moved: it was written right after entry { $follows }
finding-broken = the chain is broken before entry { $seq }
finding-certificate-unlogged = certificate { $serial } of { $ca } is in the database but no issuance entry records it
finding-certificate-deleted = certificate { $serial } of { $ca }, issued according to the log, was deleted from the database
finding-certificate-edited = certificate { $serial } of { $ca } in the database is not the one the log records
finding-revocation-unlogged = the revocation of certificate { $serial } of { $ca } is in the database but no entry records it
finding-revocation-deleted = the revocation of certificate { $serial } of { $ca } ({ $reason }, from { $at }) was deleted from the database: it now looks good
finding-revocation-edited = the revocation of certificate { $serial } of { $ca } was edited: { $field } is { $stored } in the database, { $logged } in the log
finding-cut-below-archived-head = entries { $from } to { $to } are missing from the database, though an archived signed head covers them: the log's tail was cut
finding-archived-head-mismatch = entry { $seq } is not the one the archived signed head at that position covers
finding-bad-archived-head = line { $line } of the heads archive is not a head signed by the audit key

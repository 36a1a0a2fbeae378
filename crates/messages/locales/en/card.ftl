## Virtual cards and their files, readers, `jeton card serve`.

card-created = Card { $serial } created.
card-drawn-secrets =
    PIN: { $pin }
    Unblock code (PUK): { $puk }
    Management key (AES-256): { $key }
    These values are shown only now: keep them safe.
card-factory-values = Factory values: PIN 123456, PUK 12345678, management key 010203040506070801020304050607080102030405060708 (3DES). Change them: `jeton pin change`, `jeton puk change`, `jeton mgmt-key change`.
card-none-yet = No card yet: create one with `jeton card create`.
card-deleted = Card { $serial } deleted.
card-reset = Card { $serial } reset: its keys and certificates are destroyed, and the PIN, PUK and management key are back to the factory values. The old certificate is lost for good: order a new one.
status-card = Card { $serial }
card-delete-loses = Deleting card { $serial } destroys it for good, with { $keys ->
        [0] no key or certificate
        [one] the key and certificate of 1 slot
       *[other] the keys and certificates of { $keys } slots
    }; no application will be able to use them again.
card-reset-loses = Resetting card { $serial } destroys { $keys ->
        [0] no key or certificate
        [one] the key and certificate of 1 slot
       *[other] the keys and certificates of { $keys } slots
    } for good; the PIN, PUK and management key go back to the factory values.
card-backup-written = Card { $serial } and its folder's device key saved in { $file }; keep it where the card's folder is not (`jeton card restore { $file }` puts it back).
card-restore-replaces = Card { $serial } exists here: restoring replaces it, and whatever changed on it since the backup (PIN, keys, certificates) is lost.
card-restored = Card { $serial } restored.
serve-starting = Card { $serial }: plugging into vpcd at { $address } (Ctrl-C to stop).
serve-connected = Card { $serial }: in the reader of vpcd at { $address }; PC/SC programs can use it.
serve-waiting = Card { $serial }: nothing listens on { $address }; is pcscd running with vsmartcard-vpcd? Trying again.
serve-disconnected = Card { $serial }: vpcd closed the connection (pcscd stopped?); the card is out of the reader, plugging in again.
serve-stopped = Stopped: the cards are out of their readers.
home-none = no folder for the cards: set JETON_HOME (or HOME)
home-unusable = the cards' folder { $path } (from { $origin }) cannot be used: { $error }
home-no-card = no card in { $path } (from { $origin }): create one with `jeton card create`, or set JETON_HOME to the folder that holds your cards
home-unknown-card = no card with serial { $serial } in { $path } (from { $origin }): see `jeton card list`
several-cards = several cards ({ $list }): choose one with --card SERIAL
card-exists = a card with serial { $serial } already exists: choose another --serial
reset-not-allowed = the card can be reset only when the PIN and the unblock code are both blocked; it still works, so nothing was destroyed
backup-exists = { $path } exists: a backup never writes over a file; choose another name
not-a-backup = { $path } is not a card backup of `jeton card backup`, or it is damaged: nothing was changed
device-key-conflict = the cards in { $path } use another device key than the backup's: restore it into an empty JETON_HOME; nothing was changed
no-pcsc-support = this build of jeton has no PC/SC support, so --reader cannot be used (build it with `cargo build --features jeton/pcsc`); virtual cards work without --reader
card-and-reader = choose either --card (a virtual card) or --reader (a card in a reader), not both
reader-not-applicable = --reader does not apply here: this command works on virtual card files
serve-pairing = { $cards } card(s) but { $readers } --vpcd address(es): give one --vpcd per --card, in the same order
serve-twice = { $what } is given twice: each card goes in its own reader
serve-card-stopped = card { $serial } stopped answering: { $error }
card-file-foreign = { $path } is not a Jeton card file: nothing was changed
card-file-newer-format = { $path } was written by a newer Jeton (format { $version }): update Jeton to use this card
card-file-corrupt = the card's file cannot be used: { $path } is truncated or corrupt. It was left as it is: restore it from a backup, or order a new certificate
card-file-not-found = no card file at { $path }: see `jeton card list`
card-file-exists = a card already exists at { $path }
card-file-io = the card's file cannot be used: { $path }: { $source }
device-key-unusable = the cards of this folder cannot be opened: their device key { $path } is missing or damaged; restore it from a backup
card-personalisation-invalid = the card cannot be made: { $why }
card-file-unusable = the card's file cannot be used: { $other }
card-authentication-failed = the card did not prove it knows the management key: it may not be your card
card-reset-refused = the card can be reset only once the PIN and the unblock code are both blocked
card-not-found-on-card = not found on the card
object-too-large = too large for the card: nothing was stored
card-refused-command = the card refused the command ({ $error }); if it keeps happening, report it to support
readers-none = none
reader-not-found = no smart-card reader's name contains { $wanted } (readers: { $list })
reader-empty = no card in the reader { $reader }: insert it and try again
pcsc-service-unavailable = the smart-card service is not available ({ $why }): start pcscd
reader-card-not-piv = the card in the reader { $reader } is not a PIV card: Jeton cannot use it
card-not-answering = the card is not answering: { $error }
card-error-other = card error: { $other }

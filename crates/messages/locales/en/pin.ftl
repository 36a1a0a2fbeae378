## The PIN, the unblock code (PUK) and the management key: prompts, tries, the rules of their form.

prompt = { $what }:{" "}
pin-temporary-set = The PIN is temporary: the card will sign nothing until it is changed with `jeton pin change`.
pin-policy-refuses-trivial = The card refuses trivial new PINs (123456, one repeated character, a run).
pin-policy-accepts-trivial = The card itself accepts trivial new PINs (jeton refuses them all the same).
status-pin-tries = {"  "}PIN: { $left ->
        [one] 1 try left
       *[other] { $left } tries left
    } of { $max }
status-pin-blocked = {"  "}PIN: BLOCKED. Ask support for the unblock code, then run `jeton pin unblock`.
status-puk-tries = {"  "}Unblock code (PUK): { $left ->
        [one] 1 try left
       *[other] { $left } tries left
    } of { $max }
status-puk-blocked = {"  "}PUK blocked: the PIN can no longer be unblocked. It still works; if it gets blocked, a new certificate must be ordered.
status-card-dead = {"  "}DEAD: PIN and unblock code both blocked. The certificate is blocked for good: order a new one (then `jeton card reset`).
status-pin-temporary = {"  "}Warning: the PIN is still the temporary one received by SMS: change it with `jeton pin change` before the first signature.
status-pin-factory = {"  "}Warning: the PIN is still the factory value 123456: change it with `jeton pin change`.
status-puk-factory = {"  "}Warning: the unblock code (PUK) is still the factory value 12345678: change it with `jeton puk change`.
status-management-key-factory = {"  "}Warning: the management key is still the factory value: change it with `jeton mgmt-key change`.
pin-correct = PIN correct.
pin-changed = PIN changed.
pin-unblocked = PIN unblocked: the new PIN is set and its tries are restored.
puk-changed = Unblock code (PUK) changed.
management-key-changed = Management key changed ({ $alg }).
prompt-pin = PIN
prompt-pin-new = New PIN
prompt-pin-confirm = New PIN again
prompt-puk = Unblock code (PUK)
prompt-puk-new = New unblock code (PUK)
prompt-puk-confirm = New unblock code (PUK) again
prompt-management-key = Management key (hex; empty for the factory key)
prompt-management-key-new = New management key (hex)
prompt-management-key-confirm = New management key again
missing-pin = the PIN
missing-pin-new = the new PIN
missing-pin-confirm = the new PIN's confirmation
missing-puk = the unblock code (PUK)
missing-puk-new = the new unblock code (PUK)
missing-puk-confirm = the new unblock code's confirmation
missing-management-key = the management key (an empty line for the factory key)
missing-management-key-new = the new management key
missing-management-key-confirm = the new management key's confirmation
secret-fd-unreadable = cannot read secrets from file descriptor { $fd }: { $error }
terminal-unreadable = cannot read from the terminal: { $error }
secrets-unreadable = cannot read the secrets: { $error }
secret-missing = the input ended before { $what }: give one secret per line (see `jeton --help`)
pin-too-long = the PIN given is far too long
puk-too-long = the unblock code (PUK) given is far too long
management-key-too-long = the management key given is far too long
pin-confirmation-differs = the new PIN and its confirmation differ: nothing was changed, try again
puk-confirmation-differs = the new unblock code (PUK) and its confirmation differ: nothing was changed, try again
management-key-confirmation-differs = the new management key and its confirmation differ: nothing was changed, try again
puk-nothing-typed = no unblock code (PUK) typed: nothing was sent to the card
pin-nothing-typed = no PIN typed: nothing was sent to the card
puk-not-ascii = an unblock code (PUK) has ASCII characters only, no accented letters: nothing was sent to the card
pin-not-ascii = a PIN has ASCII characters only, no accented letters (such as é): nothing was sent to the card
puk-blank = an unblock code (PUK) has no spaces: nothing was sent to the card
pin-blank = a PIN has no spaces: nothing was sent to the card
puk-length = an unblock code (PUK) has exactly 8 characters, this one has { $typed }: nothing was sent to the card
pin-length = a PIN has 6 to 8 characters, this one has { $typed }: nothing was sent to the card
pin-weak-factory = 123456 is the factory PIN that everyone knows: choose another; nothing was changed
pin-weak-repeated = a PIN made of one repeated character is the first one tried: choose another; nothing was changed
pin-weak-sequence = a PIN that is a run (such as 234567 or abcdef) is among the first ones tried: choose another; nothing was changed
pin-unchanged = the new PIN is the current one: choose a different PIN (a temporary PIN must really change); nothing was changed
pin-new-refused = the card refused the new PIN: its policy wants a PIN different from the temporary one and not trivial; choose another
pin-not-numeric = a numeric PIN has digits only (6 to 8): choose another, or use --alphanumeric
pin-not-alphanumeric = an alphanumeric PIN has letters and digits only (6 to 8, no spaces or symbols): choose another
pin-blocked = PIN blocked after too many wrong tries: ask support for the unblock code, then run `jeton pin unblock`
pin-wrong = wrong PIN: { $left ->
        [one] 1 try left
       *[other] { $left } tries left
    } before it is blocked
puk-blocked = unblock code (PUK) blocked: the PIN can no longer be unblocked; if it is blocked too, a new certificate must be ordered
puk-wrong = wrong unblock code (PUK): { $left ->
        [one] 1 try left
       *[other] { $left } tries left
    }, then the card is blocked for good
card-dead = PIN and unblock code are both blocked: the certificate is blocked for good and a new one must be ordered
pin-temporary = the PIN received by SMS is temporary: run `jeton pin change` first
pin-required = the card wants the PIN first
new-value-refused-by-policy = the card refused the new value: a PIN has 6 to 8 characters, an unblock code exactly 8
management-key-required = this needs the management key first
management-key-wrong = wrong management key: nothing was changed (an empty line means the factory key)
pin-format-invalid = a PIN has 6 to 8 characters (letters, digits or symbols, no spaces): nothing was sent to the card
puk-format-invalid = an unblock code (PUK) has exactly 8 characters: nothing was sent to the card
management-key-invalid = invalid management key: { $why }

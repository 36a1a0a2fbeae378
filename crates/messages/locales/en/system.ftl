## What the operating system says, and questions common to every command.

confirm-question = Continue? Type yes to confirm:{" "}
io-not-found = no such file or folder
io-permission-denied = permission denied
io-already-exists = it already exists
io-address-in-use = the address is already in use (another server is listening there)
io-address-not-available = the address is not one of this machine's
io-connection-refused = connection refused
io-not-a-folder = not a folder
io-is-a-folder = it is a folder, not a file
io-disk-full = the disk is full
io-read-only = the file system is read-only
io-broken-pipe = the reader has gone (broken pipe)
io-timed-out = timed out
confirmation-needed = nothing was done: this destroys data, and there is no terminal to ask on; add --yes to do it from a script
not-confirmed = nothing was done
io-path = { $path }: { $error }
output-unwritable = cannot write the output: { $error }
json-unwritable = cannot write JSON: { $error }
pkcs11-module-missing = the PKCS#11 module is not installed: build it with `cargo build -p jeton-pkcs11` (it goes next to jeton) or install libjeton_pkcs11 with your packages. Looked in:{ $tried }
signal-uncatchable = cannot catch Ctrl-C: { $error }
bench-failed = benchmark: { $what }
runtime-unavailable = cannot start: { $error }
crypto-library-error = cryptographic library error: { $stack }

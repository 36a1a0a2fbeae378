## Ce que dit le système, et les questions communes à toutes les commandes.

confirm-question = Continuer ? Tapez oui pour confirmer :{" "}
io-not-found = fichier ou dossier introuvable
io-permission-denied = permission refusée
io-already-exists = il existe déjà
io-address-in-use = l'adresse est déjà utilisée (un autre serveur y écoute)
io-address-not-available = l'adresse n'est pas une adresse de cette machine
io-connection-refused = connexion refusée
io-not-a-folder = ce n'est pas un dossier
io-is-a-folder = c'est un dossier, pas un fichier
io-disk-full = le disque est plein
io-read-only = le système de fichiers est en lecture seule
io-broken-pipe = le lecteur est parti (tube cassé)
io-timed-out = délai dépassé
confirmation-needed = rien n'a été fait : cette commande détruit des données et aucun terminal ne permet de demander confirmation ; ajoutez --yes pour la lancer depuis un script
not-confirmed = rien n'a été fait
io-path = { $path } : { $error }
output-unwritable = impossible d'écrire le résultat : { $error }
json-unwritable = impossible d'écrire le JSON : { $error }
pkcs11-module-missing = le module PKCS#11 n'est pas installé : compilez-le avec `cargo build -p jeton-pkcs11` (il se place à côté de jeton) ou installez libjeton_pkcs11 avec vos paquets. Cherché dans :{ $tried }
signal-uncatchable = impossible d'intercepter Ctrl-C : { $error }
bench-failed = banc d'essai : { $what }
runtime-unavailable = démarrage impossible : { $error }
crypto-library-error = erreur de la bibliothèque cryptographique : { $stack }

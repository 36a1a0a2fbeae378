## Le prestataire : son AC, ses clés et leurs phrases secrètes, sa base et sa configuration.

ca-made = { $name } ({ $role }) : numéro de série { $serial }, { $subject }
config-readable = ATTENTION : { $path } a le mode { $mode } : d'autres utilisateurs de la machine peuvent lire la configuration du prestataire. Elle ne porte aucun secret aujourd'hui, mais serait refusée si son url [storage] portait un mot de passe : lancez `{ $fix }`
ca-ready = Le prestataire est en place ; ses clés et sa base sont dans { $dir }.
ca-next-steps =
    { $wrote }
    Étapes suivantes :
    {"  "}Sauvegardez : { $keys } ; { $dir }/tsp.sqlite (ou votre base), { $dir }/audit-key.pub.pem et { $config }.
    {"  "}Émettez le certificat d'un titulaire :
    {"    "}jeton ca issue --profile qualified-signing --public-key 9c.pub.pem --subject 'C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont' --out 9c.crt
    {"  "}Servez OCSP, LCR et horodatage (la table [server] de { $config }) :
    {"    "}jeton server --listen localhost:8080
    {"  "}Voyez ce qui a été émis : jeton ca list
ca-finished-earlier-run = Un `jeton ca init` précédent a été interrompu après l'écriture de ses enregistrements : sa mise en place est maintenant terminée.
ca-issued = Certificat { $profile } { $serial } émis pour { $subject }.
ca-revoked = Certificat { $serial } révoqué ({ $reason }) depuis { $at } ; c'est définitif.
ca-revoked-future = Le certificat { $serial } sera révoqué ({ $reason }) le { $at } ; c'est définitif.
ca-already-revoked = Rien n'a changé : le certificat { $serial } est révoqué ({ $reason }) depuis le { $at }, et une révocation en vigueur n'est jamais réécrite (seul son motif peut être élevé à key-compromise).
ca-already-revoked-planned = Rien n'a changé : le certificat { $serial } doit déjà être révoqué ({ $reason }) le { $at } ; une date plus tardive ne la repousse jamais.
ca-revocation-advanced = La révocation du certificat { $serial }, prévue le { $from } ({ $old_reason }), prend effet dès le { $at } ({ $reason }).
ca-reason-raised = Le motif de révocation du certificat { $serial } passe de { $old_reason } à key-compromise ; il reste révoqué à partir du { $at }, et rien d'autre n'a changé.
ca-listed = { $name }	{ $role }	clé { $key }
certificate-listed = { $ca }	{ $serial }	{ $profile }	{ $status }	jusqu'au { $until }	{ $subject }
crl-signed = LCR numéro { $number } de { $ca } signée, avec { $entries } certificat(s) révoqué(s).
prompt-passphrase = Phrase secrète de la { $key } (ou PIN de son jeton)
prompt-passphrase-new = Nouvelle phrase secrète de la { $key }, la sienne propre (ou PIN de son jeton)
prompt-passphrase-confirm = Confirmez la phrase secrète de la { $key }
key-role-root = clé de l'AC racine
key-role-issuing = clé de l'AC émettrice
key-role-ocsp = clé du répondeur OCSP
key-role-tsa = clé de l'unité d'horodatage
key-role-audit = clé du journal d'audit
missing-passphrase = la phrase secrète de la { $key } (les secrets sont lus dans l'ordre root, issuing, ocsp, tsa, audit : seulement ceux dont la commande a besoin)
missing-passphrase-new = la nouvelle phrase secrète de la { $key } (`ca init` lit chaque nouvelle phrase secrète puis sa confirmation, dans l'ordre root, issuing, ocsp, tsa, audit)
missing-passphrase-confirm = la confirmation de la phrase secrète de la { $key }
passphrase-too-long = la phrase secrète donnée est bien trop longue
passphrase-confirmation-differs = la nouvelle phrase secrète et sa confirmation diffèrent : rien n'a été changé, recommencez
passphrase-rule = une phrase secrète pour les fichiers de clés demande au moins 12 caractères, dont 6 différents, sans suite comme abcdef ou 654321
passphrase-too-short = la phrase secrète de la { $key } n'a que { $n } caractères : { $rule }
passphrase-too-few-distinct = la phrase secrète de la { $key } n'a que { $n } caractères différents : { $rule }
passphrase-sequence = la phrase secrète de la { $key } est une suite de caractères consécutifs : { $rule }
passphrase-same = la { $a } et la { $b } ont reçu la même phrase secrète : chaque clé a besoin de la sienne, pour qu'une phrase secrète découverte n'ouvre qu'une clé ; rien n'a été fait
secret-not-given = il faut pour cela la { $key }, dont le secret n'a pas été donné (--passphrase-file { $role }=FICHIER)
root-issues-ca-only = l'AC racine n'émet que des certificats d'AC : émettez le certificat { $profile } depuis l'AC émettrice (--ca issuing)
provider-incomplete =
    pas de prestataire complet ici ; il manque :
    {"  "}{ $missing }
    Lancez `jeton ca init` pour le mettre en place, ou pour terminer une mise en place interrompue.
provider-in-the-way = { $path } existe mais ne contient pas de prestataire : déplacez-le, puis relancez `jeton ca init`
permissions-too-open = { $path } a le mode { $mode } : d'autres utilisateurs de la machine peuvent l'atteindre, or les dossiers du prestataire doivent être en 0700, sa base et ses fichiers de clés en 0600 ; rien n'a été fait : lancez `{ $fix }`
permissions-config-writable = { $path } a le mode { $mode } : d'autres utilisateurs peuvent modifier la configuration du prestataire (sa base, les URL de ses certificats) ; rien n'a été fait : lancez `{ $fix }`
permissions-config-password = { $path } a le mode { $mode } et porte le mot de passe de la base : d'autres utilisateurs peuvent le lire ; rien n'a été fait : lancez `{ $fix }`
permissions-io = { $path } : { $error }
ca-error = AC : { $error }
revocation-before-validity = certificat { $serial } : une révocation ne peut pas être datée du { $at }, avant le début de validité du certificat (notBefore { $not_before })
revocation-in-past = certificat { $serial } : une révocation ne peut pas être datée du { $at }, dans le passé (il est { $now }) : la date de révocation est celle où le prestataire la traite (RFC 5280) ; donnez une compromission antérieure présumée avec --invalidity-date
invalidity-date-in-future = certificat { $serial } : la date d'invalidité { $date } est dans le futur (il est { $now }) : c'est le moment où la clé est réputée ou soupçonnée compromise
config-error = configuration du prestataire : { $error }
bad-time = { $text } n'est pas une date : utilisez 2026-12-31, 2026-12-31T18:00:00Z (UTC) ou @UNIXTIME
bad-serial = { $text } n'est pas un numéro de série : donnez-le en hexadécimal, comme l'affiche `openssl x509 -noout -serial`
unknown-reason = motif de révocation { $text } inconnu : unspecified, key-compromise, ca-compromise, affiliation-changed, superseded, cessation-of-operation, privilege-withdrawn, aa-compromise
not-a-public-key = { $path } : ce n'est pas une clé publique PEM
ca-next-steps-wrote-config =
    {""}
    { $config } n'existait pas : une configuration par défaut commentée y a été écrite et utilisée. Modifiez-la avant d'émettre pour de bon (les noms des AC sont fixés ; le reste peut changer).
    {""}
ca-next-steps-keys-on-token = les clés sont sur le jeton : gardez son PIN et, s'il le permet, une sauvegarde du jeton
ca-next-steps-keys-in-files = { $dir }/keys/ et { $dir }/audit/ (les clés chiffrées) et leurs cinq phrases secrètes, conservées séparément
ca-next-steps-root-online = { $keys } ; la clé racine est dans le dossier du prestataire : pour un vrai prestataire, mettez-le en place avec --root-dir (un dossier qui n'est pas celui du serveur) ou --root-pkcs11, pour que le serveur en ligne ne la détienne jamais
ca-key-file = AC : clé { $path } : { $error }
ca-io = AC : { $path } : { $error }
ca-key-exists = AC : { $path } existe déjà : le prestataire est déjà en place ici (les clés ne sont jamais écrasées)
ca-already-initialised = AC : le prestataire est déjà en place dans cette base (l'AC { $name } existe)
ca-key-reference = AC : référence de clé { $reference } : donnez un chemin de fichier ou une URI pkcs11: (RFC 7512) avec token=, id= et ?module-path=
ca-no-pkcs11 = AC : cette version de jeton n'a pas le support PKCS#11 pour les clés d'AC : recompilez-la avec `--features jeton/pkcs11-ca`
ca-unknown-profile = AC : pas de profil de certificat { $profile } : utilisez qualified-signing, authentication, ocsp-responder ou tsa
ca-profile-of-a-ca = AC : le profil { $profile } est celui des AC du prestataire elles-mêmes, faites par `jeton ca init`
ca-subject = AC : sujet : { $why }
ca-not-a-public-key = AC : { $path } : ce n'est pas une clé publique (PEM « PUBLIC KEY » ou SubjectPublicKeyInfo en DER)
ca-certificate-corrupt = AC : le certificat enregistré de { $name } est illisible
ca-key-mismatch = AC : la clé { $key } ne correspond pas au certificat de l'AC { $name }
ca-no-role = AC : l'AC { $name } a le profil { $profile }, qui n'est aucun des rôles de clé du prestataire
store-bad-url = base du prestataire : URL de base { $url } : utilisez sqlite:///chemin/du/fichier.sqlite ou postgres://utilisateur@hôte/base
store-database = base du prestataire : base de données : { $error }
store-migration = base du prestataire : mise à jour du schéma de la base : { $error }
store-unknown-ca = base du prestataire : aucune AC nommée { $name } : `jeton ca list` les montre
store-ca-exists = base du prestataire : une AC nommée { $name } existe déjà
store-unknown-certificate = base du prestataire : l'AC { $ca } n'a jamais émis de certificat de numéro de série { $serial }
store-duplicate-serial = base du prestataire : l'AC { $ca } a déjà enregistré le numéro de série { $serial }
store-corrupt = base du prestataire : la base contient une valeur que Jeton n'écrit jamais ({ $what }) : a-t-elle été modifiée à la main ?
store-audit-head-unsigned = base du prestataire : signature de la tête du journal d'audit : { $error }
store-heads-archive = base du prestataire : la modification est enregistrée, mais sa tête d'audit signée n'a pas pu être ajoutée à { $path } : { $error }

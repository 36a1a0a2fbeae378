## Emplacements, clés, signatures et certificats de la carte.

status-no-keys = {"  "}Aucune clé sur la carte.
status-slot-no-key = pas de clé
status-slot-with-policy = {"  "}Emplacement { $slot } ({ $name }) : { $key }, PIN { $policy }
status-slot = {"  "}Emplacement { $slot } ({ $name }) : { $key }
status-certificate =
    {"    "}certificat : { $subject }
    {"    "}émis par :   { $issuer }
    {"    "}valide du { $not_before } au { $not_after }
status-no-certificate = {"    "}pas de certificat
status-certificate-id =
    {"    "}numéro de série { $serial }
    {"    "}empreinte SHA-256 { $fingerprint }
status-certificate-expired = {"    "}EXPIRÉ depuis le { $until } : faites émettre un nouveau certificat
status-certificate-not-yet-valid = {"    "}PAS ENCORE VALIDE : valide seulement à partir du { $from }
status-certificate-key-mismatch = {"    "}ne correspond PAS à la clé de l'emplacement { $slot } : les signatures seront rejetées ; importez le certificat de la nouvelle clé
key-generated = Clé { $alg } générée dans l'emplacement { $slot }.
key-signed = Signé avec la clé de l'emplacement { $slot } (SHA-256).
certificate-imported = Certificat enregistré dans l'emplacement { $slot }.
certificate-removed = Le certificat de la clé précédente a été retiré de l'emplacement { $slot } : faites certifier la nouvelle clé, puis lancez `jeton cert import --slot { $slot }`.
key-generate-loses = L'emplacement { $slot } contient une clé certifiée pour { $subject }. Une nouvelle clé la remplace pour de bon et son certificat est retiré : il faudra faire émettre un nouveau certificat pour la nouvelle clé.
slot-authentication = authentification
slot-signature = signature
slot-key-management = chiffrement
slot-card-authentication = authentification de la carte
slot-retired = clé archivée
pin-policy-never = jamais demandé
pin-policy-once = une fois par session
pin-policy-always = avant chaque usage
signature-to-terminal = la signature est binaire et la sortie standard est un terminal : donnez --out FICHIER, ou redirigez la sortie
not-a-certificate = { $path } n'est pas un certificat X.509 en PEM ou DER
certificate-key-mismatch = ce certificat est celui d'une autre clé que celle de l'emplacement { $slot } : rien n'a été enregistré
no-key-in-slot = pas de clé dans l'emplacement { $slot } : générez-en une avec `jeton key generate --slot { $slot }`
no-certificate-in-slot = pas de certificat dans l'emplacement { $slot }
certificate-corrupt = le certificat de l'emplacement { $slot } n'est pas un X.509 lisible : importez-le à nouveau
slot-unknown = emplacement inconnu { $slot } : utilisez 9a (authentification), 9c (signature), 9d, 9e, ou 82 à 95
algorithm-unknown = algorithme de clé inconnu { $alg } : utilisez p256, p384, rsa2048, rsa3072 ou rsa4096
no-key-in-this-slot = pas de clé dans cet emplacement : générez-en une avec `jeton key generate`
certificate-compressed = le certificat de la carte est compressé, ce que Jeton ne lit pas : importez-le à nouveau sans compression

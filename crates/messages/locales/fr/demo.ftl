## `jeton demo` : l'histoire du guide de première utilisation.

demo-home = Démonstration de Jeton : l'histoire du guide de première utilisation, pour de vrai, sur une carte virtuelle dans { $path }
demo-step =
    {""}
    Étape { $n } : { $what }
demo-refused = {"    "}refusé, comme prévu : { $reason }
demo-verified = {"    "}OpenSSL vérifie la signature de l'emplacement { $slot } : OK
demo-revoked-on-crl = {"    "}La LCR de l'AC émettrice est valide et mentionne le certificat { $serial } comme révoqué : il ne sera plus jamais valide.
demo-right-pin-refused = {"  "}Désormais même le bon PIN est refusé :
demo-passed =
    {""}
    Chaque étape s'est déroulée comme le dit le guide.
demo-provider-keys = Les cinq clés du prestataire (racine, AC émettrice, répondeur OCSP, unité d'horodatage, journal d'audit) reçoivent chacune leur phrase secrète ; la clé racine va dans { $dir }, hors du dossier du serveur, comme sur un support gardé hors ligne.
demo-step-create-card = le prestataire fabrique la carte du titulaire, avec un PIN temporaire envoyé par SMS et un code de déblocage conservé par le support.
demo-step-issue-certificates = le prestataire génère sur la carte la clé d'authentification (9A) et la clé de signature (9C), et émet leurs certificats.
demo-step-status = le titulaire consulte sa carte.
demo-step-sign-with-temporary-pin = le titulaire essaie de signer avec le PIN temporaire : la carte refuse.
demo-step-change-pin = le titulaire remplace le PIN temporaire par un PIN alphanumérique (ancien PIN, nouveau PIN, confirmation).
demo-step-sign = le titulaire signe un document avec 9A et avec 9C.
demo-step-three-wrong-pins = trois PIN erronés : le PIN est bloqué.
demo-step-unblock = le support envoie le code de déblocage par SMS ; le titulaire fixe un nouveau PIN avec ce code et signe à nouveau.
demo-step-dead = de nouveau trois PIN erronés, puis trois codes de déblocage erronés : le certificat est bloqué définitivement.
demo-step-final-status = l'état final.
demo-step-lost-token = le titulaire signale la perte de son jeton : le prestataire révoque aussitôt le certificat de signature et publie sa LCR.
demo-off-story = la démonstration s'est écartée du guide : { $what }

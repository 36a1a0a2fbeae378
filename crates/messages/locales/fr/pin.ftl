## Le PIN, le code de déblocage (PUK) et la clé d'administration.

prompt = { $what } :{" "}
pin-temporary-set = Le PIN est temporaire : la carte ne signera rien tant qu'il n'aura pas été changé avec `jeton pin change`.
pin-policy-refuses-trivial = La carte refuse les nouveaux PIN triviaux (123456, un seul caractère répété, une suite).
pin-policy-accepts-trivial = La carte elle-même accepte les nouveaux PIN triviaux (jeton les refuse tout de même).
status-pin-tries = {"  "}PIN : { $left ->
        [one] { $left } essai restant
       *[other] { $left } essais restants
    } sur { $max }
status-pin-blocked = {"  "}PIN : BLOQUÉ. Demandez le code de déblocage au support, puis lancez `jeton pin unblock`.
status-puk-tries = {"  "}Code de déblocage (PUK) : { $left ->
        [one] { $left } essai restant
       *[other] { $left } essais restants
    } sur { $max }
status-puk-blocked = {"  "}PUK bloqué : le PIN ne peut plus être débloqué. Il fonctionne encore ; s'il se bloque, il faudra commander un nouveau certificat.
status-card-dead = {"  "}HORS SERVICE : PIN et code de déblocage bloqués. Le certificat est bloqué définitivement : commandez-en un nouveau (puis `jeton card reset`).
status-pin-temporary = {"  "}Attention : le PIN est encore le PIN temporaire reçu par SMS : changez-le avec `jeton pin change` avant la première signature.
status-pin-factory = {"  "}Attention : le PIN a encore sa valeur d'usine 123456 : changez-le avec `jeton pin change`.
status-puk-factory = {"  "}Attention : le code de déblocage (PUK) a encore sa valeur d'usine 12345678 : changez-le avec `jeton puk change`.
status-management-key-factory = {"  "}Attention : la clé d'administration a encore sa valeur d'usine : changez-la avec `jeton mgmt-key change`.
pin-correct = PIN correct.
pin-changed = PIN changé.
pin-unblocked = PIN débloqué : le nouveau PIN est enregistré et ses essais sont rétablis.
puk-changed = Code de déblocage (PUK) changé.
management-key-changed = Clé d'administration changée ({ $alg }).
prompt-pin = PIN
prompt-pin-new = Nouveau PIN
prompt-pin-confirm = Confirmez le nouveau PIN
prompt-puk = Code de déblocage (PUK)
prompt-puk-new = Nouveau code de déblocage (PUK)
prompt-puk-confirm = Confirmez le nouveau code de déblocage (PUK)
prompt-management-key = Clé d'administration (hexadécimal ; vide pour la clé d'usine)
prompt-management-key-new = Nouvelle clé d'administration (hexadécimal)
prompt-management-key-confirm = Confirmez la nouvelle clé d'administration
missing-pin = le PIN
missing-pin-new = le nouveau PIN
missing-pin-confirm = la confirmation du nouveau PIN
missing-puk = le code de déblocage (PUK)
missing-puk-new = le nouveau code de déblocage (PUK)
missing-puk-confirm = la confirmation du nouveau code de déblocage
missing-management-key = la clé d'administration (une ligne vide pour la clé d'usine)
missing-management-key-new = la nouvelle clé d'administration
missing-management-key-confirm = la confirmation de la nouvelle clé d'administration
secret-fd-unreadable = impossible de lire les secrets sur le descripteur { $fd } : { $error }
terminal-unreadable = impossible de lire sur le terminal : { $error }
secrets-unreadable = impossible de lire les secrets : { $error }
secret-missing = l'entrée s'est terminée sans { $what } : donnez un secret par ligne (voir `jeton --help`)
pin-too-long = le PIN donné est bien trop long
puk-too-long = le code de déblocage (PUK) donné est bien trop long
management-key-too-long = la clé d'administration donnée est bien trop longue
pin-confirmation-differs = le nouveau PIN et sa confirmation diffèrent : rien n'a été changé, recommencez
puk-confirmation-differs = le nouveau code de déblocage (PUK) et sa confirmation diffèrent : rien n'a été changé, recommencez
management-key-confirmation-differs = la nouvelle clé d'administration et sa confirmation diffèrent : rien n'a été changé, recommencez
puk-nothing-typed = aucun code de déblocage (PUK) tapé : rien n'a été envoyé à la carte
pin-nothing-typed = aucun PIN tapé : rien n'a été envoyé à la carte
puk-not-ascii = un code de déblocage (PUK) n'a que des caractères ASCII, sans lettre accentuée : rien n'a été envoyé à la carte
pin-not-ascii = un PIN n'a que des caractères ASCII, sans lettre accentuée (comme é) : rien n'a été envoyé à la carte
puk-blank = un code de déblocage (PUK) n'a pas d'espace : rien n'a été envoyé à la carte
pin-blank = un PIN n'a pas d'espace : rien n'a été envoyé à la carte
puk-length = un code de déblocage (PUK) a exactement 8 caractères, celui-ci en a { $typed } : rien n'a été envoyé à la carte
pin-length = un PIN a 6 à 8 caractères, celui-ci en a { $typed } : rien n'a été envoyé à la carte
pin-weak-factory = 123456 est le PIN d'usine que tout le monde connaît : choisissez-en un autre ; rien n'a été changé
pin-weak-repeated = un PIN fait d'un seul caractère répété est le premier essayé : choisissez-en un autre ; rien n'a été changé
pin-weak-sequence = un PIN qui se suit (comme 234567 ou abcdef) est parmi les premiers essayés : choisissez-en un autre ; rien n'a été changé
pin-unchanged = le nouveau PIN est le PIN actuel : choisissez-en un différent (un PIN temporaire doit vraiment changer) ; rien n'a été changé
pin-new-refused = la carte a refusé le nouveau PIN : sa politique demande un PIN différent du PIN temporaire et non trivial ; choisissez-en un autre
pin-not-numeric = un PIN numérique n'a que des chiffres (6 à 8) : choisissez-en un autre, ou utilisez --alphanumeric
pin-not-alphanumeric = un PIN alphanumérique n'a que des lettres et des chiffres (6 à 8, sans espace ni symbole) : choisissez-en un autre
pin-blocked = PIN bloqué après trop d'essais erronés : demandez le code de déblocage au support, puis lancez `jeton pin unblock`
pin-wrong = PIN erroné : { $left ->
        [one] { $left } essai restant
       *[other] { $left } essais restants
    } avant blocage
puk-blocked = code de déblocage (PUK) bloqué : le PIN ne peut plus être débloqué ; s'il est bloqué lui aussi, il faut commander un nouveau certificat
puk-wrong = code de déblocage (PUK) erroné : { $left ->
        [one] { $left } essai restant
       *[other] { $left } essais restants
    }, ensuite la carte sera bloquée définitivement
card-dead = PIN et code de déblocage sont bloqués : le certificat est bloqué définitivement, il faut en commander un nouveau
pin-temporary = le PIN reçu par SMS est temporaire : lancez d'abord `jeton pin change`
pin-required = la carte demande d'abord le PIN
new-value-refused-by-policy = la carte a refusé la nouvelle valeur : un PIN a 6 à 8 caractères, un code de déblocage exactement 8
management-key-required = il faut d'abord la clé d'administration
management-key-wrong = clé d'administration erronée : rien n'a été changé (une ligne vide signifie la clé d'usine)
pin-format-invalid = un PIN a 6 à 8 caractères (lettres, chiffres ou symboles, sans espace) : rien n'a été envoyé à la carte
puk-format-invalid = un code de déblocage (PUK) a exactement 8 caractères : rien n'a été envoyé à la carte
management-key-invalid = clé d'administration invalide : { $why }

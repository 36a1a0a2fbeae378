## Les cartes virtuelles et leurs fichiers, les lecteurs, `jeton card serve`.

card-created = Carte { $serial } créée.
card-drawn-secrets =
    PIN : { $pin }
    Code de déblocage (PUK) : { $puk }
    Clé d'administration (AES-256) : { $key }
    Ces valeurs ne sont affichées qu'une fois : conservez-les en lieu sûr.
card-factory-values = Valeurs d'usine : PIN 123456, PUK 12345678, clé d'administration 010203040506070801020304050607080102030405060708 (3DES). Changez-les : `jeton pin change`, `jeton puk change`, `jeton mgmt-key change`.
card-none-yet = Aucune carte pour l'instant : créez-en une avec `jeton card create`.
card-deleted = Carte { $serial } supprimée.
card-reset = Carte { $serial } réinitialisée : ses clés et certificats sont détruits, et le PIN, le PUK et la clé d'administration ont repris leurs valeurs d'usine. L'ancien certificat est perdu pour de bon : commandez-en un nouveau.
status-card = Carte { $serial }
card-delete-loses = Supprimer la carte { $serial } la détruit pour de bon, avec { $keys ->
        [0] aucune clé ni aucun certificat
        [one] la clé et le certificat d'un emplacement
       *[other] les clés et certificats de { $keys } emplacements
    } ; aucune application ne pourra plus s'en servir.
card-reset-loses = Réinitialiser la carte { $serial } détruit pour de bon { $keys ->
        [0] aucune clé ni aucun certificat
        [one] la clé et le certificat d'un emplacement
       *[other] les clés et certificats de { $keys } emplacements
    } ; le PIN, le PUK et la clé d'administration reprennent leurs valeurs d'usine.
card-backup-written = La carte { $serial } et la clé d'appareil de son dossier sont sauvegardées dans { $file } ; gardez-la ailleurs que le dossier de la carte (`jeton card restore { $file }` la remet en place).
card-restore-replaces = La carte { $serial } existe ici : la restaurer la remplace, et ce qui y a changé depuis la sauvegarde (PIN, clés, certificats) est perdu.
card-restored = Carte { $serial } restaurée.
serve-starting = Carte { $serial } : branchement sur vpcd à { $address } (Ctrl-C pour arrêter).
serve-connected = Carte { $serial } : dans le lecteur de vpcd à { $address } ; les programmes PC/SC peuvent l'utiliser.
serve-waiting = Carte { $serial } : rien n'écoute sur { $address } ; pcscd tourne-t-il avec vsmartcard-vpcd ? Nouvel essai.
serve-disconnected = Carte { $serial } : vpcd a fermé la connexion (pcscd arrêté ?) ; la carte est hors du lecteur, nouveau branchement.
serve-stopped = Arrêté : les cartes sont sorties de leurs lecteurs.
home-none = aucun dossier pour les cartes : définissez JETON_HOME (ou HOME)
home-unusable = le dossier des cartes { $path } (d'après { $origin }) est inutilisable : { $error }
home-no-card = aucune carte dans { $path } (d'après { $origin }) : créez-en une avec `jeton card create`, ou donnez à JETON_HOME le dossier qui contient vos cartes
home-unknown-card = aucune carte de numéro { $serial } dans { $path } (d'après { $origin }) : voyez `jeton card list`
several-cards = plusieurs cartes ({ $list }) : choisissez-en une avec --card NUMÉRO
card-exists = une carte de numéro { $serial } existe déjà : choisissez un autre --serial
reset-not-allowed = la carte ne peut être réinitialisée que si le PIN et le code de déblocage sont tous deux bloqués ; elle fonctionne encore, rien n'a été détruit
backup-exists = { $path } existe : une sauvegarde n'écrase jamais un fichier ; choisissez un autre nom
not-a-backup = { $path } n'est pas une sauvegarde de carte de `jeton card backup`, ou elle est endommagée : rien n'a été modifié
device-key-conflict = les cartes de { $path } utilisent une autre clé d'appareil que la sauvegarde : restaurez-la dans un JETON_HOME vide ; rien n'a été modifié
no-pcsc-support = cette version de jeton n'a pas le support PC/SC, --reader est donc inutilisable (compilez-la avec `cargo build --features jeton/pcsc`) ; les cartes virtuelles fonctionnent sans --reader
card-and-reader = choisissez --card (une carte virtuelle) ou --reader (une carte dans un lecteur), pas les deux
reader-not-applicable = --reader ne s'applique pas ici : cette commande porte sur les fichiers de cartes virtuelles
serve-pairing = { $cards } carte(s) mais { $readers } adresse(s) --vpcd : donnez un --vpcd par --card, dans le même ordre
serve-twice = { $what } est donné deux fois : chaque carte va dans son propre lecteur
serve-card-stopped = la carte { $serial } ne répond plus : { $error }
card-file-foreign = { $path } n'est pas un fichier de carte Jeton : rien n'a été modifié
card-file-newer-format = { $path } a été écrit par un Jeton plus récent (format { $version }) : mettez Jeton à jour pour utiliser cette carte
card-file-corrupt = le fichier de la carte est inutilisable : { $path } est tronqué ou corrompu. Il a été laissé tel quel : restaurez-le depuis une sauvegarde, ou commandez un nouveau certificat
card-file-not-found = aucun fichier de carte à { $path } : voyez `jeton card list`
card-file-exists = une carte existe déjà à { $path }
card-file-io = le fichier de la carte est inutilisable : { $path } : { $source }
device-key-unusable = les cartes de ce dossier ne peuvent être ouvertes : leur clé d'appareil { $path } est absente ou endommagée ; restaurez-la depuis une sauvegarde
card-personalisation-invalid = la carte ne peut pas être fabriquée : { $why }
card-file-unusable = le fichier de la carte est inutilisable : { $other }
card-authentication-failed = la carte n'a pas prouvé qu'elle connaît la clé d'administration : ce n'est peut-être pas votre carte
card-reset-refused = la carte ne peut être réinitialisée que lorsque le PIN et le code de déblocage sont tous deux bloqués
card-not-found-on-card = introuvable sur la carte
object-too-large = trop grand pour la carte : rien n'a été enregistré
card-refused-command = la carte a refusé la commande ({ $error }) ; si cela se reproduit, signalez-le au support
readers-none = aucun
reader-not-found = aucun lecteur de cartes ne contient { $wanted } dans son nom (lecteurs : { $list })
reader-empty = pas de carte dans le lecteur { $reader } : insérez-la et recommencez
pcsc-service-unavailable = le service des cartes à puce n'est pas disponible ({ $why }) : démarrez pcscd
reader-card-not-piv = la carte du lecteur { $reader } n'est pas une carte PIV : Jeton ne peut pas l'utiliser
card-not-answering = la carte ne répond pas : { $error }
card-error-other = erreur de la carte : { $other }

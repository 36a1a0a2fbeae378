## Le journal d'audit du prestataire.

audit-intact = Journal d'audit intact : { $entries } entrées chaînées, { $signed } têtes signées vérifiées.
audit-chain-intact-unsigned = Chaîne du journal d'audit intacte : { $entries } entrées (pas de clé publique d'audit ici : signatures non vérifiées).
audit-unsigned-tail = Non signées : les entrées { $from } à { $to } suivent la dernière tête signée ; rien hors de la base n'en répond avant la prochaine commande qui détient la clé d'audit.
audit-heads-archive = Vérifié d'après les { $heads } tête(s) signée(s) archivée(s) dans { $path }.
audit-no-heads-archive = Pas d'archive des têtes signées ici (audit-heads.log, ou --heads FICHIER) : une fin de journal coupée ne peut pas être détectée.
audit-tampered =
    le journal d'audit a été altéré :
    {"  "}{ $list }
finding-changed = l'entrée { $seq } a été modifiée : son contenu ne correspond plus à son empreinte
finding-rewritten = l'entrée { $seq } a été modifiée et son empreinte recalculée : le lien suivant ou sa tête signée ne correspond plus
finding-bad-signature = entrée { $seq } : la signature de la clé d'audit n'est pas valide
finding-removed-one = l'entrée { $from } a été supprimée
finding-removed = les entrées { $from } à { $to } ont été supprimées
finding-inserted = l'entrée { $seq } a été insérée : la chaîne passe à côté d'elle
finding-reordered = l'entrée { $seq } a été déplacée : elle a été écrite juste après l'entrée { $follows }
finding-broken = la chaîne est rompue avant l'entrée { $seq }
finding-certificate-unlogged = le certificat { $serial } de { $ca } est dans la base mais aucune entrée d'émission ne l'enregistre
finding-certificate-deleted = le certificat { $serial } de { $ca }, émis selon le journal, a été supprimé de la base
finding-certificate-edited = le certificat { $serial } de { $ca } dans la base n'est pas celui qu'enregistre le journal
finding-revocation-unlogged = la révocation du certificat { $serial } de { $ca } est dans la base mais aucune entrée ne l'enregistre
finding-revocation-deleted = la révocation du certificat { $serial } de { $ca } ({ $reason }, à partir du { $at }) a été supprimée de la base : il paraît valide
finding-revocation-edited = la révocation du certificat { $serial } de { $ca } a été modifiée : { $field } vaut { $stored } dans la base, { $logged } dans le journal
finding-cut-below-archived-head = les entrées { $from } à { $to } manquent dans la base alors qu'une tête signée archivée les couvre : la fin du journal a été coupée
finding-archived-head-mismatch = l'entrée { $seq } n'est pas celle que couvre la tête signée archivée à cette position
finding-bad-archived-head = la ligne { $line } de l'archive des têtes n'est pas une tête signée par la clé d'audit

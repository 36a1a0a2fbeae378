## `jeton server` : OCSP, LCR et horodatage en HTTP.

server-cannot-listen = serveur : impossible d'écouter sur { $address } : { $error }
server-setting-out-of-range = le réglage serveur `{ $setting }` = { $value } sort de son intervalle, de { $min } à { $max }
server-error = serveur : { $error }
server-signing = serveur : signature : { $why }
server-der = serveur : DER : { $error }

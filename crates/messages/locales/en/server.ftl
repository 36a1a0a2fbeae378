## `jeton server`: OCSP, CRLs and time-stamps over HTTP.

server-cannot-listen = server: cannot listen on { $address }: { $error }
server-setting-out-of-range = server setting `{ $setting }` = { $value } is outside its range { $min } to { $max }
server-error = server: { $error }
server-signing = server: signing: { $why }
server-der = server: DER: { $error }

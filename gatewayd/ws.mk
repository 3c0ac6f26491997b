# TLS contexts and the WebSocket client and server

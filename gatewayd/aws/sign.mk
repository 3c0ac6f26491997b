# SigV4 signing and endpoint resolution

# Session Manager: messages, smux, data channel, sessions, forwarder

# contrib: demo config, systemd unit, completion

# forwarder registry and the tcp forwarder

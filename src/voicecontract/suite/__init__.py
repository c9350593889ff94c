"""The contract suite: schemathesis 4.x with voicecontract's checks, as a CLI and a pytest plugin."""

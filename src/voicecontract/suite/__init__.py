"""The contract suite: schemathesis' engine plus voicecontract's checks and links phase.

* ``runner``: one run (target, context, phases) → ``RunResult``;
* ``engine``: schemathesis' generated phases and their events; ``links``: the links phase;
* ``checks`` and ``oracle``: voicecontract's checks; ``requests`` and ``fixtures``: realistic requests;
* ``result`` and ``reports``: the one result model and its renderings; ``context``: per-run state;
* ``target``, ``masking``, ``hooks``: transport, secret masking, schemathesis hooks.
"""

"""--consistency-window: a read sent after the window decides, however long reads sent inside it take to answer."""

from __future__ import annotations

from voicecontract.suite.checks.writes import RETRY_PAUSE, within_window


class Replica:
    """A simulated clock and a replica whose reads lag ``lag`` s behind a write at t=0 and take ``latency`` s."""

    def __init__(self, *, lag: float, latency: float) -> None:
        self.now = 0.0
        self.lag, self.latency = lag, latency
        self.sent: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds

    def read(self) -> str | None:
        """A difference while the replica lags (decided when the read arrives), None once it caught up."""
        self.sent.append(self.now)
        stale = self.now < self.lag
        self.now += self.latency
        return "stale" if stale else None


def test_a_slow_read_sent_inside_the_window_does_not_decide() -> None:
    # Reads take 1.2 s (a loaded CI machine); the first is sent while the replica lags, answers after
    # the 1 s window, and still shows the old state. The next read, sent after the lag, shows the write.
    replica = Replica(lag=0.15, latency=1.2)
    assert within_window(replica.read, 1.0, clock=replica.clock, sleep=replica.sleep) is None
    assert len(replica.sent) == 2


def test_a_difference_that_outlasts_the_window_is_reported_by_a_read_sent_after_it() -> None:
    replica = Replica(lag=10.0, latency=0.01)  # a replica that never catches up within 1 s: a real fault
    assert within_window(replica.read, 1.0, clock=replica.clock, sleep=replica.sleep) == "stale"
    assert replica.sent[-1] >= 1.0 and all(s < 1.0 for s in replica.sent[:-1])
    gaps = [b - a for a, b in zip(replica.sent, replica.sent[1:], strict=False)]
    assert all(g <= RETRY_PAUSE + replica.latency + 1e-9 for g in gaps)  # it keeps reading, it does not wait it out


def test_without_a_window_one_read_decides() -> None:
    replica = Replica(lag=0.15, latency=0.01)
    assert within_window(replica.read, 0.0, clock=replica.clock, sleep=replica.sleep) == "stale"
    assert replica.sent == [0.0]

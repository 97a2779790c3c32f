package relay.core.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;

/** Reservations and settlements on one counter item, over the in-memory store. */
class LedgerTest {
    final MovingClock clock = new MovingClock(Instant.parse("2025-06-01T12:00:05Z"));
    final InMemoryAccessStore store = new InMemoryAccessStore();
    final Ledger ledger = new Ledger(store, clock);

    Ledger.Account account(Limits limits) {
        return new Ledger.Account("key#k1", "key 'k1'", limits);
    }

    Ledger.Charge charge(String usd) {
        return new Ledger.Charge(new BigDecimal(usd), 5, clock.instant().plusSeconds(30).plus(Ledger.RESERVATION_GRACE));
    }

    @Test
    void theCounterItemStaysSmall_overHoursOfSteadyTraffic() {
        var account = account(new Limits(new BigDecimal("1000"), Duration.ofHours(1), clock.instant(), 100, 100_000, 10));
        for (int i = 0; i < 600; i++) {
            var reservation = ledger.reserve(account, charge("0.01"));
            ledger.settle(reservation, new BigDecimal("0.004"), 9);
            clock.advance(Duration.ofSeconds(20));
        }
        var item = store.counters("key#k1");
        assertTrue(item.size() <= 10, "attributes: " + item);
        assertEquals(0, ledger.usage(account).reserved().signum());
    }

    @Test
    void theInFlightSlotOfARequestThatDied_isReleasedAfterItsExpiry() {
        var account = account(new Limits(null, null, null, null, null, 1));
        ledger.reserve(account, charge("0")); // never settled

        RelayException refused = assertThrows(RelayException.class, () -> ledger.reserve(account, charge("0")));
        assertEquals(ErrorKind.RATE_LIMIT, refused.kind());
        clock.advance(Duration.ofSeconds(30).plus(Ledger.RESERVATION_GRACE).plusSeconds(60));

        var next = ledger.reserve(account, charge("0"));
        ledger.settle(next, BigDecimal.ZERO, 0);
        assertEquals(0, ledger.usage(account).inFlight());
    }

    @Test
    void aSettlementAfterItsReservationLapsed_recordsTheSpendOnce_andReleasesNothingTwice() {
        var account = account(new Limits(new BigDecimal("1.00"), null, null, null, null, null));
        var late = ledger.reserve(account, charge("0.60"));
        clock.advance(Duration.ofSeconds(30).plus(Ledger.RESERVATION_GRACE).plusSeconds(60));
        var next = ledger.reserve(account, charge("0.60")); // fits only once the lapsed reservation is released

        ledger.settle(late, new BigDecimal("0.10"), 0);
        ledger.settle(next, new BigDecimal("0.20"), 0);

        var usage = ledger.usage(account);
        assertEquals(0, new BigDecimal("0.30").compareTo(usage.spend()), usage.toString());
        assertEquals(0, usage.reserved().signum(), usage.toString());
        assertEquals(0, new BigDecimal("0.30").compareTo(store.counters("key#k1").get("used_0")), store.counters("key#k1").toString());
    }

    @Test
    void aRequestDearerThanTheWholeBudget_isRefusedWithoutAWrite() {
        var account = account(new Limits(new BigDecimal("0.5"), null, null, null, null, null));

        RelayException refused = assertThrows(RelayException.class, () -> ledger.reserve(account, charge("0.6")));

        assertEquals(ErrorKind.BUDGET_EXCEEDED, refused.kind());
        assertTrue(store.counters("key#k1").isEmpty());
    }

    @Test
    void anUnlimitedAccount_reservesNothing_butItsSpendIsRecorded() {
        var account = account(Limits.NONE);
        var reservation = ledger.reserve(account, charge("5"));
        assertTrue(store.counters("key#k1").isEmpty(), "no write before the call");

        ledger.settle(reservation, new BigDecimal("0.25"), 100);

        assertEquals(0, new BigDecimal("0.25").compareTo(ledger.spend(account)));
    }

    static final class MovingClock extends Clock {
        private volatile Instant now;

        MovingClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}

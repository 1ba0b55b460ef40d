package test

import (
	"fmt"
	"strings"
	"sync"
)

// ledger computes the revenue a scenario must produce, on its own and in
// minor units, independently of the service's arithmetic.
type ledger struct {
	mu     sync.Mutex
	digits map[string]int
	rows   map[[2]string]*row
}

type row struct{ billed, collected, outstanding, invoices int64 }

func newLedger() *ledger {
	return &ledger{digits: map[string]int{}, rows: map[[2]string]*row{}}
}

// record applies one invoice's life: created, then paid or voided or
// neither.
func (l *ledger) record(currency string, digits int, month string, minor int64, paid, voided bool) {
	l.mu.Lock()
	defer l.mu.Unlock()

	l.digits[currency] = digits
	r, ok := l.rows[[2]string{currency, month}]
	if !ok {
		r = &row{}
		l.rows[[2]string{currency, month}] = r
	}

	switch {
	case voided:
	case paid:
		r.billed += minor
		r.collected += minor
		r.invoices++
	default:
		r.billed += minor
		r.outstanding += minor
		r.invoices++
	}
}

// revenue is what GET /revenue must answer, for one month or all ("").
func (l *ledger) revenue(month string) revenue {
	l.mu.Lock()
	defer l.mu.Unlock()

	sums := map[string]*row{}
	for k, r := range l.rows {
		if month != "" && k[1] != month {
			continue
		}

		s, ok := sums[k[0]]
		if !ok {
			s = &row{}
			sums[k[0]] = s
		}

		s.billed += r.billed
		s.collected += r.collected
		s.outstanding += r.outstanding
		s.invoices += r.invoices
	}

	out := revenue{}
	for cur, s := range sums {
		d := l.digits[cur]
		out[cur] = total{
			Month: month, Currency: cur, Invoices: s.invoices,
			Billed: decimal(s.billed, d), Collected: decimal(s.collected, d), Outstanding: decimal(s.outstanding, d),
		}
	}

	return out
}

// decimal formats non-negative minor units with d fraction digits.
func decimal(minor int64, d int) string {
	s := fmt.Sprintf("%0*d", d+1, minor)
	if d == 0 {
		return s
	}

	return s[:len(s)-d] + "." + s[len(s)-d:]
}

// minorText writes minor units as the amount text a client sends.
func minorText(minor int64, d int) string {
	return strings.TrimSpace(decimal(minor, d))
}

package query

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/millrace/millrace/domain"
)

// ErrInvalidMonth means a month that is not YYYY-MM.
var ErrInvalidMonth = errors.New("month must be YYYY-MM")

var monthPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// RevenueRow is the revenue of one currency in one issue month, in minor
// units, as the projection keeps it.
type RevenueRow struct {
	Currency    string
	Month       string
	Billed      int64
	Collected   int64
	Outstanding int64
	Invoices    int64
}

// Add returns r plus o, or domain.ErrAmountOverflow when a sum leaves the
// range of minor units. Currency and month stay r's.
func (r RevenueRow) Add(o RevenueRow) (RevenueRow, error) {
	var errs [4]error

	sum := r
	sum.Billed, errs[0] = domain.AddMinor(r.Billed, o.Billed)
	sum.Collected, errs[1] = domain.AddMinor(r.Collected, o.Collected)
	sum.Outstanding, errs[2] = domain.AddMinor(r.Outstanding, o.Outstanding)
	sum.Invoices, errs[3] = domain.AddMinor(r.Invoices, o.Invoices)

	if err := errors.Join(errs[:]...); err != nil {
		return r, err
	}

	return sum, nil
}

// RevenueReader lists the projection's rows, of one issue month or of all
// when month is empty.
type RevenueReader interface {
	RevenueRows(ctx context.Context, month string) ([]RevenueRow, error)
}

// RevenueTotal is the revenue of one currency.
type RevenueTotal struct {
	Currency    domain.Currency
	Billed      domain.Money
	Collected   domain.Money
	Outstanding domain.Money
	Invoices    int64
}

// RevenueHandler answers "how much was billed, collected and outstanding?".
type RevenueHandler struct {
	rows RevenueReader
}

// NewRevenueHandler refuses a nil reader.
func NewRevenueHandler(rows RevenueReader) (RevenueHandler, error) {
	if rows == nil {
		return RevenueHandler{}, errors.New("nil revenue reader")
	}

	return RevenueHandler{rows: rows}, nil
}

// Handle sums the rows per currency, sorted by currency code. An empty
// month means every month.
func (h RevenueHandler) Handle(ctx context.Context, month string) ([]RevenueTotal, error) {
	if month != "" && !monthPattern.MatchString(month) {
		return nil, fmt.Errorf("%q: %w", month, ErrInvalidMonth)
	}

	rows, err := h.rows.RevenueRows(ctx, month)
	if err != nil {
		return nil, fmt.Errorf("read revenue: %w", err)
	}

	sums := map[string]RevenueRow{}
	for _, r := range rows {
		s, ok := sums[r.Currency]
		if !ok {
			s = RevenueRow{Currency: r.Currency}
		}

		if sums[r.Currency], err = s.Add(r); err != nil {
			return nil, fmt.Errorf("sum %s revenue: %w", r.Currency, err)
		}
	}

	totals := make([]RevenueTotal, 0, len(sums))
	for code, s := range sums {
		cur, err := domain.ParseCurrency(code)
		if err != nil {
			return nil, fmt.Errorf("stored revenue: %w", err)
		}

		totals = append(totals, RevenueTotal{
			Currency:    cur,
			Billed:      domain.NewMoney(s.Billed, cur),
			Collected:   domain.NewMoney(s.Collected, cur),
			Outstanding: domain.NewMoney(s.Outstanding, cur),
			Invoices:    s.Invoices,
		})
	}

	slices.SortFunc(totals, func(a, b RevenueTotal) int {
		return strings.Compare(a.Currency.Code(), b.Currency.Code())
	})

	return totals, nil
}

package domain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/millrace/millrace/domain"
)

func currency(t *testing.T, code string) domain.Currency {
	t.Helper()

	c, err := domain.ParseCurrency(code)
	require.NoError(t, err)

	return c
}

func TestParseCurrency(t *testing.T) {
	t.Parallel()

	tests := []struct {
		code   string
		digits int
		err    error
	}{
		{code: "EUR", digits: 2},
		{code: "JPY", digits: 0},
		{code: "BHD", digits: 3},
		{code: "USD", digits: 2},
		{code: "eur", err: domain.ErrUnknownCurrency},
		{code: "XXY", err: domain.ErrUnknownCurrency},
		{code: "EURO", err: domain.ErrUnknownCurrency},
		{code: "", err: domain.ErrUnknownCurrency},
		{code: "XAU", err: domain.ErrUnknownCurrency},
		{code: "XXX", err: domain.ErrUnknownCurrency},
		{code: "XTS", err: domain.ErrUnknownCurrency},
		{code: "XOF", digits: 0},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()

			c, err := domain.ParseCurrency(tt.code)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)

				return
			}

			require.NoError(t, err)
			require.Equal(t, tt.code, c.Code())
			require.Equal(t, tt.digits, c.Digits())
		})
	}
}

func TestParseMoney(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name     string
		amount   string
		currency string
		minor    int64
		text     string
		err      error
	}{
		{name: "cents", amount: "120.50", currency: "EUR", minor: 12050, text: "120.50"},
		{name: "whole euros", amount: "7", currency: "EUR", minor: 700, text: "7.00"},
		{name: "one decimal", amount: "7.5", currency: "EUR", minor: 750, text: "7.50"},
		{name: "three digits", amount: "1.250", currency: "BHD", minor: 1250, text: "1.250"},
		{name: "yen", amount: "300", currency: "JPY", minor: 300, text: "300"},
		{name: "zero decimals on yen", amount: "300.00", currency: "JPY", err: domain.ErrTooManyDecimals},
		{name: "third zero on euros", amount: "1.000", currency: "EUR", err: domain.ErrTooManyDecimals},
		{name: "arabic digits", amount: "١٢٣", currency: "EUR", err: domain.ErrMalformedAmount},
		{name: "zero parses", amount: "0", currency: "EUR", minor: 0, text: "0.00"},
		{name: "leading zeros", amount: "007.10", currency: "EUR", minor: 710, text: "7.10"},
		{name: "largest", amount: "9999999999999999.99", currency: "EUR", minor: 999999999999999999, text: "9999999999999999.99"},
		{name: "too many decimals", amount: "1.005", currency: "EUR", err: domain.ErrTooManyDecimals},
		{name: "yen decimals", amount: "100.5", currency: "JPY", err: domain.ErrTooManyDecimals},
		{name: "exponent", amount: "1e3", currency: "EUR", err: domain.ErrMalformedAmount},
		{name: "negative", amount: "-1.00", currency: "EUR", err: domain.ErrMalformedAmount},
		{name: "plus sign", amount: "+1.00", currency: "EUR", err: domain.ErrMalformedAmount},
		{name: "empty", amount: "", currency: "EUR", err: domain.ErrMalformedAmount},
		{name: "lone point", amount: ".", currency: "EUR", err: domain.ErrMalformedAmount},
		{name: "no whole part", amount: ".50", currency: "EUR", err: domain.ErrMalformedAmount},
		{name: "no fraction", amount: "1.", currency: "EUR", err: domain.ErrMalformedAmount},
		{name: "separator", amount: "1,000.00", currency: "EUR", err: domain.ErrMalformedAmount},
		{name: "spaces", amount: " 1.00", currency: "EUR", err: domain.ErrMalformedAmount},
		{name: "25 digits", amount: "1234567890123456789012345", currency: "EUR", err: domain.ErrAmountOverflow},
		{name: "just past int64", amount: "92233720368547758.08", currency: "EUR", err: domain.ErrAmountOverflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			m, err := domain.ParseMoney(tt.amount, currency(t, tt.currency))
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)

				return
			}

			require.NoError(t, err)
			require.Equal(t, tt.minor, m.Minor())
			require.Equal(t, tt.text, m.String())
		})
	}
}

func TestMoneyAdd(t *testing.T) {
	t.Parallel()

	eur := currency(t, "EUR")
	parse := func(s string) domain.Money {
		m, err := domain.ParseMoney(s, eur)
		require.NoError(t, err)

		return m
	}

	t.Run("decimal fractions add exactly", func(t *testing.T) {
		sum, err := parse("0.10").Add(parse("0.20"))
		require.NoError(t, err)
		require.Equal(t, "0.30", sum.String())
	})

	t.Run("overflow is an error", func(t *testing.T) {
		big := domain.NewMoney(1<<62, eur)
		_, err := big.Add(big)
		require.ErrorIs(t, err, domain.ErrAmountOverflow)
	})

	t.Run("negative overflow is an error", func(t *testing.T) {
		small := domain.NewMoney(-(1 << 62), eur)
		_, err := small.Add(domain.NewMoney(-(1<<62)-1, eur))
		require.ErrorIs(t, err, domain.ErrAmountOverflow)
	})

	t.Run("currencies must match", func(t *testing.T) {
		_, err := parse("1.00").Add(domain.NewMoney(1, currency(t, "USD")))
		require.ErrorIs(t, err, domain.ErrCurrencyMismatch)
	})
}

func TestFormatMinor(t *testing.T) {
	t.Parallel()

	require.Equal(t, "-0.05", domain.FormatMinor(-5, 2))
	require.Equal(t, "0.000", domain.FormatMinor(0, 3))
	require.Equal(t, "-12", domain.FormatMinor(-12, 0))
}

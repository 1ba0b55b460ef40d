package domain

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"golang.org/x/text/currency"
)

// maxAmountDigits bounds the digits of an amount, integer and fraction
// together. Eighteen digits always fit an int64 of minor units.
const maxAmountDigits = 18

var (
	// ErrUnknownCurrency means a code that is not an ISO 4217 currency.
	ErrUnknownCurrency = errors.New("unknown ISO 4217 currency")
	// ErrMalformedAmount means text that is not a plain decimal number.
	ErrMalformedAmount = errors.New("not a decimal string such as \"120.50\"")
	// ErrTooManyDecimals means more fraction digits than the currency has.
	ErrTooManyDecimals = errors.New("more decimals than the currency has")
	// ErrAmountOverflow means an amount or a sum too large to hold exactly.
	ErrAmountOverflow = errors.New("too large")
	// ErrCurrencyMismatch means arithmetic across two currencies.
	ErrCurrencyMismatch = errors.New("currencies differ")
)

// Currency is an ISO 4217 currency with its number of minor digits.
type Currency struct {
	code   string
	digits int
}

// notMoney are ISO 4217 codes of things that are not a currency one can
// bill in: precious metals, fund units, special drawing rights, testing and
// "no currency".
var notMoney = map[string]bool{
	"XAG": true, "XAU": true, "XPD": true, "XPT": true, "XBA": true, "XBB": true,
	"XBC": true, "XBD": true, "XDR": true, "XSU": true, "XUA": true, "XTS": true,
	"XXX": true, "BOV": true, "CHE": true, "CHW": true, "CLF": true, "COU": true,
	"MXV": true, "USN": true, "UYI": true,
}

// ParseCurrency accepts an upper-case ISO 4217 code of a currency such as
// "EUR". The codes and minor digits are golang.org/x/text/currency's, whose
// tables follow CLDR and may lag the newest ISO amendments.
func ParseCurrency(code string) (Currency, error) {
	if len(code) != 3 || strings.ToUpper(code) != code || notMoney[code] {
		return Currency{}, fmt.Errorf("%q: %w", code, ErrUnknownCurrency)
	}

	unit, err := currency.ParseISO(code)
	if err != nil {
		return Currency{}, fmt.Errorf("%q: %w", code, ErrUnknownCurrency)
	}

	scale, _ := currency.Standard.Rounding(unit)

	return Currency{code: unit.String(), digits: scale}, nil
}

// Code is the ISO 4217 code, for example "EUR".
func (c Currency) Code() string { return c.code }

// Digits is the number of minor digits: 0 for JPY, 2 for EUR, 3 for BHD.
func (c Currency) Digits() int { return c.digits }

// IsZero reports whether c is the zero value rather than a parsed currency.
func (c Currency) IsZero() bool { return c.code == "" }

// Money is an exact amount in integer minor units of one currency.
type Money struct {
	minor    int64
	currency Currency
}

// NewMoney builds an amount from minor units, for example 12050 EUR cents.
func NewMoney(minor int64, cur Currency) Money {
	return Money{minor: minor, currency: cur}
}

// ParseMoney reads a non-negative decimal string such as "120.50" in the
// given currency. It rejects signs, exponents, separators, more fraction
// digits than the currency has (even zeros: "300.00" is no yen amount) and
// amounts that do not fit.
func ParseMoney(amount string, cur Currency) (Money, error) {
	whole, frac, hasPoint := strings.Cut(amount, ".")
	if whole == "" || (hasPoint && frac == "") || !allDigits(whole) || !allDigits(frac) {
		return Money{}, ErrMalformedAmount
	}

	if len(frac) > cur.digits {
		return Money{}, ErrTooManyDecimals
	}

	whole = strings.TrimLeft(whole, "0")
	if len(whole)+cur.digits > maxAmountDigits {
		return Money{}, ErrAmountOverflow
	}

	var minor int64
	for _, r := range whole + frac + strings.Repeat("0", cur.digits-len(frac)) {
		minor = minor*10 + int64(r-'0')
	}

	return Money{minor: minor, currency: cur}, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}

	return true
}

// Minor is the amount in minor units.
func (m Money) Minor() int64 { return m.minor }

// Currency is the amount's currency.
func (m Money) Currency() Currency { return m.currency }

// IsPositive reports whether the amount is above zero.
func (m Money) IsPositive() bool { return m.minor > 0 }

// Add returns m+o, or an error when the currencies differ or the sum
// overflows.
func (m Money) Add(o Money) (Money, error) {
	if m.currency != o.currency {
		return Money{}, fmt.Errorf("%s and %s: %w", m.currency.code, o.currency.code, ErrCurrencyMismatch)
	}

	sum, err := AddMinor(m.minor, o.minor)
	if err != nil {
		return Money{}, err
	}

	return Money{minor: sum, currency: m.currency}, nil
}

// AddMinor returns a+b, or ErrAmountOverflow when the sum leaves the int64
// range.
func AddMinor(a, b int64) (int64, error) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, ErrAmountOverflow
	}

	return a + b, nil
}

// String formats the amount with exactly the currency's minor digits, for
// example "120.50", "1.250" or "300"; negative amounts start with "-".
func (m Money) String() string {
	return FormatMinor(m.minor, m.currency.digits)
}

// FormatMinor formats minor units as a decimal string with digits fraction
// digits.
func FormatMinor(minor int64, digits int) string {
	sign := ""
	u := uint64(minor)
	if minor < 0 {
		sign, u = "-", uint64(-minor)
	}

	s := fmt.Sprintf("%0*d", digits+1, u)
	if digits == 0 {
		return sign + s
	}

	return sign + s[:len(s)-digits] + "." + s[len(s)-digits:]
}

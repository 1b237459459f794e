package console

import (
	"strconv"
	"time"

	"pinpointd/internal/store"
)

// The dashboard's charts are drawn on the server as inline SVG: no script, no external asset.

// bar is one bar of a chart, in the chart's coordinates.
type bar struct {
	Label        string
	Count        int
	X, Y, W, H   int
	TextX, TextY int
}

type chart struct {
	Title         string
	Width, Height int
	Bars          []bar
	Empty         bool
}

type dashboardData struct {
	Total       int
	Channels    chart
	ActiveUsers chart
	Events      chart
	EventsTotal int
	Days        int
}

const (
	hbarLabel = 170 // room for the labels left of horizontal bars
	hbarWidth = 220
	hbarRow   = 26
)

// hbars draws labelled horizontal bars.
func hbars(title string, labels []string, counts []int) chart {
	c := chart{Title: title, Width: hbarLabel + hbarWidth + 80, Height: hbarRow*len(labels) + 4}
	most := 0
	for _, n := range counts {
		most = max(most, n)
	}
	c.Empty = most == 0
	for i, n := range counts {
		w := 0
		if most > 0 {
			w = n * hbarWidth / most
		}
		if n > 0 {
			w = max(w, 2)
		}
		y := i*hbarRow + 2
		c.Bars = append(c.Bars, bar{Label: labels[i], Count: n, X: hbarLabel, Y: y, W: w, H: hbarRow - 8, TextX: hbarLabel + w + 6, TextY: y + hbarRow - 12})
	}
	return c
}

// dashboard turns the store's counts into charts. Events are shown for every day of the window,
// zero or not, oldest first.
func dashboard(st store.AppStats, now time.Time) dashboardData {
	var d dashboardData
	var labels []string
	var counts []int
	for _, c := range st.Endpoints {
		ch := c.Channel
		if ch == "" {
			ch = "(no channel)"
		}
		labels = append(labels, ch+" · "+c.Status)
		counts = append(counts, c.Count)
		d.Total += c.Count
	}
	d.Channels = hbars("Endpoints by channel and status", labels, counts)

	labels, counts = nil, nil
	for i, days := range store.ActiveUserWindows {
		l := "last " + strconv.Itoa(days) + " days"
		if days == 1 {
			l = "last 24 hours"
		}
		labels = append(labels, l)
		counts = append(counts, st.ActiveUsers[i])
	}
	d.ActiveUsers = hbars("Active users", labels, counts)

	byDay := make(map[string]int, len(st.EventsPerDay))
	most := 0
	for _, e := range st.EventsPerDay {
		byDay[e.Day] = e.Count
		most = max(most, e.Count)
		d.EventsTotal += e.Count
	}
	const colW, plotH, top = 14, 120, 4
	d.Days = store.StatsDays
	ev := chart{Title: "Events per day", Width: colW*store.StatsDays + 8, Height: plotH + top + 18, Empty: most == 0}
	since := store.StatsSince(now)
	for i := range store.StatsDays {
		day := since.AddDate(0, 0, i).Format("2006-01-02")
		n := byDay[day]
		h := 0
		if most > 0 {
			h = n * plotH / most
		}
		if n > 0 {
			h = max(h, 2)
		}
		b := bar{Label: day, Count: n, X: 4 + i*colW, W: colW - 3, H: h, Y: top + plotH - h}
		ev.Bars = append(ev.Bars, b)
	}
	d.Events = ev
	return d
}

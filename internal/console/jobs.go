package console

import "net/http"

// hasJobs tells the templates whether the job pages exist.
const hasJobs = false

// jobRoutes adds the import and export job pages.
func (c *Console) jobRoutes(m *http.ServeMux) {}

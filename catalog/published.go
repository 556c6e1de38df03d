package catalog

// registerPublishedSubjects adds the resolvers for the published-data kinds
// (disclosure, fund, category) once their tables exist.
func registerPublishedSubjects(r *SubjectResolver) {}

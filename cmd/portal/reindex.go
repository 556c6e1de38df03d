package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"gorm.io/gorm"

	"sunlight/report"
	"sunlight/search"
)

func reindexCommand() *command {
	return &command{
		name:    "reindex",
		summary: "rebuild the search index from the database, with progress, and swap it in atomically",
		run:     runReindex,
	}
}

// searchSources are where searchable records come from: catalog's
// published data, and the published report answers (公开答复), which record
// their changes in catalog's outbox as "answer:ID".
func searchSources(db *gorm.DB) []search.Source {
	src := search.NewCatalogSource(db)
	src.Extra = map[string]search.ExtraKind{report.AnswerSubjectKind: answerKind(db)}
	return []search.Source{src}
}

// answerKind reads published answers for the search index.
func answerKind(db *gorm.DB) search.ExtraKind {
	return search.ExtraKind{
		Load: func(ctx context.Context, id string) (*search.Document, error) {
			n, err := strconv.ParseUint(id, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("answer %q: %w", id, search.ErrGone)
			}
			a, err := report.LoadAnswer(ctx, db, n)
			if err != nil {
				return nil, err
			}
			d := answerDocument(a)
			return &d, nil
		},
		All: func(ctx context.Context, fn func([]search.Document) error) error {
			return report.AllAnswers(ctx, db, func(as []report.PublishedAnswer) error {
				docs := make([]search.Document, len(as))
				for i := range as {
					docs[i] = answerDocument(&as[i])
				}
				return fn(docs)
			})
		},
	}
}

// answerDocument is a published answer as the index holds it: the masked
// question and answer as the department published them, nothing of the
// reporter.
func answerDocument(a *report.PublishedAnswer) search.Document {
	return search.Document{ID: a.Subject(), Type: search.TypeAnswer, Title: a.Title,
		Body: a.Question + "\n" + a.Answer, RegionCode: a.RegionCode, DeptCode: a.DeptCode,
		Year: a.PublishedAt.Year(), Date: a.PublishedAt, URL: a.URL()}
}

// synonyms are the stored synonym groups (administrators change them on
// /staff/admin/synonyms) plus those of the data directory's old file.
func (e *env) synonyms(ctx context.Context, db *gorm.DB) (*search.SynonymStore, *search.Synonyms, error) {
	extra, err := search.ReadSynonymsFile(filepath.Join(e.cfg.DataDir, search.SynonymsFile))
	if err != nil {
		return nil, nil, &configError{Name: "SUNLIGHT_DATA_DIR", Err: err}
	}
	st := search.NewSynonymStore(db)
	st.Extra = extra
	syn, err := st.Live(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("search synonyms: %w", err)
	}
	return st, syn, nil
}

// openSearch opens the configured engine: Meilisearch when
// SUNLIGHT_MEILI_URL is set, otherwise the embedded index in
// DATA_DIR/search. builder asks for an embedded
// index that only rebuilds (a running portal holds the live one).
func (e *env) openSearch(builder bool, syn *search.Synonyms) (search.Index, error) {
	if c := e.cfg; c.MeiliURL != "" {
		m, err := search.NewMeili(search.MeiliConfig{URL: c.MeiliURL, Key: c.MeiliKey, Index: c.MeiliIndex, Synonyms: syn})
		if err != nil {
			return nil, &configError{Name: "SUNLIGHT_MEILI_URL", Err: err}
		}
		return m, nil
	}
	dir := filepath.Join(e.cfg.DataDir, "search")
	if builder {
		return search.NewEmbeddedBuilder(dir, syn)
	}
	return search.OpenEmbedded(dir, syn)
}

func runReindex(ctx context.Context, e *env, _ []string) error {
	return e.withDB(ctx, func(db *gorm.DB) error {
		_, syn, err := e.synonyms(ctx, db)
		if err != nil {
			return err
		}
		idx, err := e.openSearch(true, syn)
		if err != nil {
			return err
		}
		defer idx.Close()
		s := &search.Syncer{DB: db, Index: idx, Sources: searchSources(db), Log: e.log}
		start := time.Now()
		bar := newBar(e, "重建搜索索引")
		n, err := s.Reindex(ctx, func(done int) { _ = bar.Set(done) })
		_ = bar.Finish()
		if err != nil {
			return fmt.Errorf("reindex: %w", err)
		}
		el := time.Since(start)
		fmt.Fprintf(e.stdout, "reindexed %d documents in %s (%.0f docs/s)\n", n, el.Round(time.Millisecond), float64(n)/el.Seconds())
		return nil
	})
}

// startSearch opens the search engine and starts its syncer; stop ends the
// syncer after its batch and closes the engine. An engine that cannot be
// opened leaves search unavailable (reported by /readyz and the search
// page) rather than stopping the portal. The synonym store it returns is
// the one whose changes the engine follows at once.
func startSearch(ctx context.Context, e *env, db *gorm.DB) (search.Index, *search.SynonymStore, func(), error) {
	st, syn, err := e.synonyms(ctx, db)
	if err != nil {
		return nil, nil, nil, err
	}
	idx, err := e.openSearch(false, syn)
	var ce *configError
	if errors.As(err, &ce) {
		return nil, nil, nil, err
	}
	if err != nil {
		e.log.Error("search index unavailable; the portal serves without search", "err", err)
		idx = search.Unavailable(err)
	}
	// Results are cached for a few seconds; deletions empty the cache.
	cache := search.NewCache(idx, 0, 0)
	cache.FollowSynonyms(syn)
	idx = cache
	s := &search.Syncer{DB: db, Index: idx, Sources: searchSources(db), Log: e.log}
	sctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.Run(sctx)
	}()
	stop := func() {
		cancel()
		wg.Wait()
		if err := idx.Close(); err != nil {
			e.log.Warn("close search index", "err", err)
		}
	}
	return idx, st, stop, nil
}

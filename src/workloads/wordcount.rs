//! Counting words in public-domain books (episode 6): the data, the
//! tokeniser, and a plain serial reference to check parallel counts
//! against.
//!
//! The books are Project Gutenberg plain-text editions shipped in the
//! repository under `notebooks/books/`, each still carrying Project
//! Gutenberg's header and licence. [`Book::body`] is the text between
//! the `*** START OF` and `*** END OF` lines, which is what gets counted.
//!
//! ```
//! use parallel_course::workloads::wordcount::{count_words, top_words};
//!
//! let counts = count_words("The cat and the hat. THE END!");
//! assert_eq!(counts["the"], 3);
//! assert_eq!(top_words(&counts, 1), vec![("the".to_string(), 3)]);
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::plot::{BarChart, Figure};
use crate::table::Table;

/// How often each word occurs.
pub type WordCounts = HashMap<String, u64>;

/// One book: its Project Gutenberg number, title, author and full text.
#[derive(Clone, PartialEq, Eq)]
pub struct Book {
    /// The Project Gutenberg e-book number.
    pub id: u32,
    /// The title, from the file's header.
    pub title: String,
    /// The author, from the file's header.
    pub author: String,
    text: String,
}

impl std::fmt::Debug for Book {
    /// Short on purpose: the text is long.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Book")
            .field("id", &self.id)
            .field("title", &self.title)
            .field("author", &self.author)
            .field("bytes", &self.text.len())
            .finish()
    }
}

impl std::fmt::Display for Book {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} by {} (Project Gutenberg #{})",
            self.title, self.author, self.id
        )
    }
}

impl Book {
    /// Makes a book from the text of a Project Gutenberg file; the title
    /// and author come from its `Title:` and `Author:` lines.
    ///
    /// ```
    /// use parallel_course::workloads::wordcount::Book;
    ///
    /// let text = "Title: A Tale\nAuthor: Someone\n*** START OF THE PROJECT GUTENBERG EBOOK A TALE ***\nOnce upon a time.\n*** END OF THE PROJECT GUTENBERG EBOOK A TALE ***\nLicence.";
    /// let book = Book::from_text(7, text);
    /// assert_eq!(book.title, "A Tale");
    /// assert_eq!(book.body().trim(), "Once upon a time.");
    /// ```
    pub fn from_text(id: u32, text: impl Into<String>) -> Book {
        let text = text.into();
        let field = |name: &str| {
            text.lines()
                .take(200)
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_string())
                .unwrap_or_else(|| "unknown".into())
        };
        Book {
            id,
            title: field("Title:"),
            author: field("Author:"),
            text,
        }
    }

    /// The whole file, Project Gutenberg's header and licence included.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The book itself: the text between the `*** START OF` and
    /// `*** END OF` lines (the whole text if they are missing).
    pub fn body(&self) -> &str {
        let t = self.text.as_str();
        let start = t
            .find("*** START OF")
            .and_then(|i| t[i..].find('\n').map(|j| i + j + 1))
            .unwrap_or(0);
        let end = t[start..]
            .find("*** END OF")
            .map(|i| start + i)
            .unwrap_or(t.len());
        &t[start..end]
    }
}

/// Where the books are: `notebooks/books/` in the course repository.
pub fn books_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("notebooks")
        .join("books")
}

/// Every book shipped with the course, in order of their Project
/// Gutenberg numbers. Files are named `<number>-<name>.txt`; titles and
/// authors come from the folder's `catalogue.tsv` (columns `id`, `title`,
/// `author`), or else from the file's own `Title:` and `Author:` lines.
///
/// # Errors
///
/// [`Error::Io`] if the folder or a file cannot be read;
/// [`Error::Setup`] if the folder holds no books.
pub fn books() -> Result<Vec<Book>> {
    books_in(&books_dir())
}

/// The books in `dir` (see [`books`]).
///
/// # Errors
///
/// As for [`books`].
pub fn books_in(dir: &Path) -> Result<Vec<Book>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::io(format!("reading the book folder {}", dir.display()), e)
    })?;
    let catalogue = read_catalogue(&dir.join("catalogue.tsv"))?;
    let mut books = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| Error::io(format!("reading {}", dir.display()), e))?
            .path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(id) = name
            .strip_suffix(".txt")
            .and_then(|stem| stem.split('-').next())
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        let mut book = Book::from_text(id, text);
        if let Some((title, author)) = catalogue.get(&id) {
            book.title.clone_from(title);
            book.author.clone_from(author);
        }
        books.push(book);
    }
    if books.is_empty() {
        return Err(Error::Setup(format!(
            "no books (files named <number>-<name>.txt) in {}",
            dir.display()
        )));
    }
    books.sort_by_key(|b| b.id);
    Ok(books)
}

/// Titles and authors by book number, from a tab-separated file with a
/// header line; an absent file gives an empty catalogue.
fn read_catalogue(path: &Path) -> Result<HashMap<u32, (String, String)>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
    };
    let mut out = HashMap::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let mut cols = line.split('\t');
        let (Some(id), Some(title), Some(author)) =
            (cols.next(), cols.next(), cols.next())
        else {
            if line.trim().is_empty() {
                continue;
            }
            return Err(Error::Setup(format!(
                "{} line {}: expected id, title and author separated by tabs",
                path.display(),
                n + 1
            )));
        };
        let id = id.trim().parse::<u32>().map_err(|_| {
            Error::Setup(format!(
                "{} line {}: `{id}` is not a book number",
                path.display(),
                n + 1
            ))
        })?;
        out.insert(id, (title.trim().to_string(), author.trim().to_string()));
    }
    Ok(out)
}

/// Cleans one whitespace-separated token into a word: strips punctuation
/// from both ends and lower-cases it. Returns `None` for tokens with no
/// letters left or with digits in them (the lesson's "good word" test).
/// Borrows when nothing needs changing, so counting allocates only for
/// words it has not seen.
///
/// ```
/// use parallel_course::workloads::wordcount::normalise;
///
/// assert_eq!(normalise("“Whale!”").as_deref(), Some("whale"));
/// assert_eq!(normalise("don't").as_deref(), Some("don't"));
/// assert_eq!(normalise("1851"), None);
/// assert_eq!(normalise("--"), None);
/// ```
pub fn normalise(token: &str) -> Option<Cow<'_, str>> {
    let word = token.trim_matches(|c: char| !c.is_alphanumeric());
    if word.is_empty() || word.chars().any(|c| c.is_numeric()) {
        return None;
    }
    if word.chars().any(char::is_uppercase) {
        Some(Cow::Owned(word.to_lowercase()))
    } else {
        Some(Cow::Borrowed(word))
    }
}

/// The words of a text, in order: split on whitespace and dashes, then
/// [`normalise`]d.
///
/// ```
/// use parallel_course::workloads::wordcount::words;
///
/// let w: Vec<_> = words("Call me Ishmael. Some years ago--never mind").collect();
/// assert_eq!(w, ["call", "me", "ishmael", "some", "years", "ago", "never", "mind"]);
/// ```
pub fn words(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '-' | '—' | '–'))
        .filter_map(normalise)
}

/// Adds one to a word's count, allocating only for a new word.
pub fn add_word(counts: &mut WordCounts, word: &str) {
    if let Some(n) = counts.get_mut(word) {
        *n += 1;
    } else {
        counts.insert(word.to_owned(), 1);
    }
}

/// The serial reference: every word of `text`, counted one after the
/// other into one map.
pub fn count_words(text: &str) -> WordCounts {
    let mut counts = WordCounts::new();
    for word in words(text) {
        add_word(&mut counts, &word);
    }
    counts
}

/// Adds the counts of `b` into `a` (the reduce step of a parallel count).
/// Merges the smaller map into the larger.
///
/// ```
/// use parallel_course::workloads::wordcount::{count_words, merge_counts};
///
/// let both = merge_counts(count_words("a b"), count_words("b c"));
/// assert_eq!((both["a"], both["b"], both["c"]), (1, 2, 1));
/// ```
pub fn merge_counts(a: WordCounts, b: WordCounts) -> WordCounts {
    let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    for (word, n) in small {
        *big.entry(word).or_insert(0) += n;
    }
    big
}

/// Cuts `text` into pieces of about `target` bytes, each ending at the end
/// of a line (or of the text), so no word is cut in two.
///
/// ```
/// use parallel_course::workloads::wordcount::pieces;
///
/// let text = "one two\nthree\nfour five six\n";
/// let p = pieces(text, 8);
/// assert_eq!(p, ["one two\nthree\n", "four five six\n"]);
/// assert_eq!(p.concat(), text);
/// ```
pub fn pieces(text: &str, target: usize) -> Vec<&str> {
    let target = target.max(1);
    let mut out = Vec::with_capacity(text.len() / target + 1);
    let mut rest = text;
    while !rest.is_empty() {
        let mut end = target.min(rest.len());
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        let end = match rest[end..].find('\n') {
            Some(i) if end < rest.len() => end + i + 1,
            _ => rest.len(),
        };
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    out
}

/// Bytes per piece in [`count_words_par`]: big enough that each piece's
/// own map of counts pays for itself, small enough to share a book among
/// many threads.
pub const PIECE_BYTES: usize = 256 * 1024;

/// The parallel reference: the text is cut into [`pieces`] of about
/// [`PIECE_BYTES`] at line ends, each thread counts its pieces into a map
/// of its own (`fold`), and the maps are merged pairwise (`reduce`).
pub fn count_words_par(text: &str) -> WordCounts {
    count_pieces_par(pieces(text, PIECE_BYTES))
}

/// Counts the words of `pieces` with rayon: one map per piece handed out,
/// merged pairwise.
fn count_pieces_par(pieces: Vec<&str>) -> WordCounts {
    pieces
        .into_par_iter()
        .fold(WordCounts::new, |mut counts, piece| {
            if crate::interrupt::stop_requested("the word count") {
                return counts;
            }
            for word in words(piece) {
                add_word(&mut counts, &word);
            }
            counts
        })
        .reduce(WordCounts::new, merge_counts)
}

/// The counts of all `books` together: every book cut into [`pieces`],
/// all pieces of all books shared out by rayon, one map per thread.
pub fn count_books_par(books: &[Book]) -> WordCounts {
    count_pieces_par(
        books
            .iter()
            .flat_map(|b| pieces(b.body(), PIECE_BYTES))
            .collect(),
    )
}

/// The `n` most frequent words, most frequent first (ties in alphabetical
/// order, so the list is the same on every run).
pub fn top_words(counts: &WordCounts, n: usize) -> Vec<(String, u64)> {
    let mut all: Vec<(&String, &u64)> = counts.iter().collect();
    all.sort_unstable_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    all.into_iter()
        .take(n)
        .map(|(w, &c)| (w.clone(), c))
        .collect()
}

/// A bar chart of the `n` most frequent words.
///
/// ```
/// use parallel_course::workloads::wordcount::{count_words, top_words_chart, WordCounts};
///
/// assert!(top_words_chart(&count_words("a b a"), 2, "two words").is_ok());
/// let none = top_words_chart(&WordCounts::new(), 10, "nothing").unwrap_err();
/// assert_eq!(
///     none.to_string(),
///     "invalid `counts`: no words; allowed: the counts of one word or more"
/// );
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] if `n` is 0 or `counts` is empty.
pub fn top_words_chart(counts: &WordCounts, n: usize, title: &str) -> Result<Figure> {
    crate::error::positive("n", n, "1 or more words (e.g. 20)")?;
    if counts.is_empty() {
        return Err(Error::invalid(
            "counts",
            "no words",
            "the counts of one word or more",
        ));
    }
    let top = top_words(counts, n);
    BarChart::new(title, "occurrences")
        .bars(top.into_iter().map(|(w, c)| (w, c as f64)))
        .draw()
}

/// A table of the books: number, title, author, size, and words counted.
///
/// ```
/// use parallel_course::workloads::wordcount::{Book, books_table};
///
/// let text = "Title: T\nAuthor: A\n*** START OF IT ***\nthree small words\n*** END OF IT ***\n";
/// let t = books_table(&[Book::from_text(1, text)]);
/// assert_eq!(t.rows()[0][1..3], ["T", "A"]);
/// assert_eq!(t.rows()[0][4], "3");
/// ```
pub fn books_table(books: &[Book]) -> Table {
    let mut t = Table::new(["#", "title", "author", "size", "words"]);
    for b in books {
        t.row([
            b.id.to_string(),
            b.title.clone(),
            b.author.clone(),
            format!("{:.0} kB", b.text.len() as f64 / 1e3),
            crate::format::thousands(words(b.body()).count() as u64),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Title: Sample\nAuthor: Nobody\n\n*** START OF THE PROJECT GUTENBERG EBOOK SAMPLE ***\n\
        It was the best of times, it was the worst of times;\nIT WAS—the age of wisdom.\n\
        “Was it?” 1859 was a year.\n*** END OF THE PROJECT GUTENBERG EBOOK SAMPLE ***\n\
        Project Gutenberg licence: was was was.\n";

    #[test]
    fn header_and_licence_are_not_counted() {
        let book = Book::from_text(1, SAMPLE);
        let counts = count_words(book.body());
        assert_eq!(counts["was"], 5);
        assert_eq!(counts["it"], 4);
        assert!(!counts.contains_key("licence"));
        assert!(!counts.contains_key("1859"));
        assert!(!counts.contains_key("title"));
        assert_eq!(
            (book.title.as_str(), book.author.as_str()),
            ("Sample", "Nobody")
        );
    }

    #[test]
    fn parallel_count_equals_serial_count() {
        let text = SAMPLE.repeat(500);
        assert_eq!(count_words_par(&text), count_words(&text));
    }

    #[test]
    fn pieces_cover_the_text_and_end_at_line_ends() {
        let text = "ab cd\nÉé\n\nxyz".repeat(50);
        for target in [0, 1, 3, 7, 100, 10_000] {
            let p = pieces(&text, target);
            assert_eq!(p.concat(), text, "target {target}");
            for piece in &p[..p.len() - 1] {
                assert!(piece.ends_with('\n'), "{piece:?}");
            }
        }
        assert!(pieces("", 10).is_empty());
    }

    #[test]
    fn top_words_break_ties_alphabetically() {
        let counts = count_words("b a c b a d");
        assert_eq!(
            top_words(&counts, 3),
            vec![("a".into(), 2), ("b".into(), 2), ("c".into(), 1)]
        );
        assert!(top_words(&WordCounts::new(), 5).is_empty());
    }

    #[test]
    fn an_empty_folder_says_where_it_looked() {
        let dir = std::env::temp_dir().join(format!("no-books-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let err = books_in(&dir).unwrap_err().to_string();
        assert!(err.contains("no books"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(books_in(&dir).is_err());
    }

    #[test]
    fn an_empty_chart_is_an_error() {
        assert!(top_words_chart(&WordCounts::new(), 20, "nothing").is_err());
    }
}

//! Word counts over every shipped book agree with a plain serial count
//! written independently of the crate's tokeniser.

use std::collections::HashMap;

use parallel_course::workloads::wordcount::{
    books, count_books_par, count_words, count_words_par, merge_counts, top_words,
};

/// The plainest possible count: split on white space and dashes, strip
/// non-alphanumeric characters from both ends, drop tokens with digits,
/// lower-case, count.
fn reference(text: &str) -> HashMap<String, u64> {
    let mut counts = HashMap::new();
    for token in
        text.split(|c: char| c.is_whitespace() || c == '-' || c == '—' || c == '–')
    {
        let word = token.trim_matches(|c: char| !c.is_alphanumeric());
        if word.is_empty() || word.chars().any(char::is_numeric) {
            continue;
        }
        *counts.entry(word.to_lowercase()).or_insert(0) += 1;
    }
    counts
}

#[test]
fn every_book_is_counted_the_same_serially_and_in_parallel() {
    let library = books().expect("the books in notebooks/books");
    assert!(
        library.len() >= 5,
        "expected the shipped books, found {}",
        library.len()
    );
    for book in &library {
        let expected = reference(book.body());
        assert!(
            expected.len() > 1000,
            "{book}: only {} distinct words",
            expected.len()
        );
        assert_eq!(count_words(book.body()), expected, "serial count of {book}");
        assert_eq!(
            count_words_par(book.body()),
            expected,
            "parallel count of {book}"
        );
    }
}

#[test]
fn all_books_together_equal_the_sum_of_each() {
    let library = books().expect("the books in notebooks/books");
    let summed = library
        .iter()
        .map(|b| reference(b.body()))
        .fold(HashMap::new(), merge_counts);
    assert_eq!(count_books_par(&library), summed);
}

#[test]
fn catalogue_names_every_book_and_the_licence_is_not_counted() {
    let library = books().expect("the books in notebooks/books");
    for book in &library {
        assert_ne!(book.title, "unknown", "book {} has no title", book.id);
        assert_ne!(book.author, "unknown", "book {} has no author", book.id);
    }
    let alice = library
        .iter()
        .find(|b| b.id == 11)
        .expect("Alice (11) is shipped");
    assert!(
        alice.text().contains("Project Gutenberg"),
        "Alice keeps its licence"
    );
    let counts = count_words(alice.body());
    assert!(
        !counts.contains_key("gutenberg"),
        "the licence is outside the body"
    );
    assert_eq!(top_words(&counts, 1)[0].0, "the");
    assert!(
        counts["alice"] > 350,
        "alice occurs {} times",
        counts["alice"]
    );
}

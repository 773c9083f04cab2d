-- The demo served by tools/run.sh: a small bookshop. rex-host introspects it at start: books
-- belong to an author, authors have many books, and book_tags joins books and tags (many to many).
CREATE TABLE authors (
    id INTEGER PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    born INTEGER
);

CREATE TABLE books (
    id INTEGER PRIMARY KEY,
    title VARCHAR(200) NOT NULL,
    author_id INTEGER NOT NULL REFERENCES authors (id),
    published INTEGER,
    pages INTEGER
);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name VARCHAR(50) NOT NULL UNIQUE
);

CREATE TABLE book_tags (
    book_id INTEGER NOT NULL REFERENCES books (id),
    tag_id INTEGER NOT NULL REFERENCES tags (id),
    PRIMARY KEY (book_id, tag_id)
);

INSERT INTO authors (id, name, born) VALUES
    (1, 'Jane Austen', 1775),
    (2, 'Mary Shelley', 1797),
    (3, 'Herman Melville', 1819),
    (4, 'Charles Dickens', 1812);

INSERT INTO books (id, title, author_id, published, pages) VALUES
    (1, 'Pride and Prejudice', 1, 1813, 432),
    (2, 'Emma', 1, 1815, 474),
    (3, 'Frankenstein', 2, 1818, 280),
    (4, 'Moby-Dick', 3, 1851, 635),
    (5, 'Great Expectations', 4, 1861, 505),
    (6, 'A Tale of Two Cities', 4, 1859, 448);

INSERT INTO tags (id, name) VALUES
    (1, 'romance'),
    (2, 'gothic'),
    (3, 'adventure'),
    (4, 'satire'),
    (5, 'historical');

INSERT INTO book_tags (book_id, tag_id) VALUES
    (1, 1), (1, 4), (2, 1), (2, 4), (3, 2), (4, 3), (5, 1), (6, 5);

"""A cell page becomes passages: the page parsed, the corpus folder read, passages and sentences cut."""

//! Plan → bytes into a writer it is given; decides nothing.

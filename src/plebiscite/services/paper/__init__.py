"""The paper count on the board: protocols, custody, signatures and the comparison."""

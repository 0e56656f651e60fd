"""tuneup's PyTorch trainer runtime (docs/trainer-contract.md), standard library + torch only."""
